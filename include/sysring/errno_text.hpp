// errno as text, thread-safe (std::strerror is not: clients may be multi-threaded).
#pragma once

#include <string>
#include <system_error>

namespace sysring {

inline std::string errno_text(int err) {
  return std::generic_category().message(err);
}

}  // namespace sysring
