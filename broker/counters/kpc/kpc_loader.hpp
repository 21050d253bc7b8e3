// Opens kperf.framework and kperfdata.framework with dlopen and resolves every symbol the
// sequence needs, all or nothing. Only <dlfcn.h>: it builds and is tested on Linux against a
// test double, and runs unchanged on macOS.
#pragma once

#include <memory>
#include <string>

#include "counters/kpc/kpc_symbols.hpp"

namespace sysring::broker::counters::kpc {

inline constexpr const char* kDefaultKperfPath =
    "/System/Library/PrivateFrameworks/kperf.framework/kperf";
inline constexpr const char* kDefaultKperfdataPath =
    "/System/Library/PrivateFrameworks/kperfdata.framework/kperfdata";

// Both library handles and the resolved symbols; dlclose on destruction. Shared by everything
// that may still call a symbol (the session's teardown runs before the last reference goes).
class KpcLibrary {
 public:
  KpcLibrary(void* kperf_handle, void* kperfdata_handle, const KpcSymbols& symbols);
  ~KpcLibrary();
  KpcLibrary(const KpcLibrary&) = delete;
  KpcLibrary& operator=(const KpcLibrary&) = delete;

  [[nodiscard]] const KpcSymbols& symbols() const { return symbols_; }

 private:
  void* kperf_handle_;
  void* kperfdata_handle_;
  KpcSymbols symbols_;
};

struct KpcLoadResult {
  std::shared_ptr<const KpcLibrary> library;  // null on failure
  // On failure one line naming the library and what failed, with dlerror's text:
  // "kperf.framework: missing symbol kpc_set_config (<dlerror>)".
  std::string error;
};

// No stat() pre-check: since macOS 11 the frameworks exist only in the dyld shared cache, so
// dlopen is the only valid existence test (darwin-facts §1.1). Both paths may name the same file.
[[nodiscard]] KpcLoadResult load_kpc(const std::string& kperf_path = kDefaultKperfPath,
                                     const std::string& kperfdata_path = kDefaultKperfdataPath);

}  // namespace sysring::broker::counters::kpc
