#include "path_reasons.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <system_error>

namespace sysring::broker::linux_instances {

std::string join_path(std::string_view root, std::string_view relative) {
  std::string path(root);
  while (path.size() > 1 && path.ends_with('/')) path.pop_back();
  if (!path.ends_with('/')) path.push_back('/');
  return path.append(relative);
}

std::string errno_text(int err) {
  return std::generic_category().message(err);
}

std::string path_error(std::string_view path, int err) {
  std::string reason(path);
  return reason.append(": ").append(errno_text(err));
}

std::string missing_reason(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) return {};
  return path_error(path, errno);
}

}  // namespace sysring::broker::linux_instances
