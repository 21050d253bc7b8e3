// dlopen both frameworks, then dlsym every row of kpc_symbol_table(); any failure closes what
// was opened and names the library and symbol.
#include "counters/kpc/kpc_loader.hpp"

#include <dlfcn.h>

#include <string_view>

namespace sysring::broker::counters::kpc {
namespace {

std::string dl_error_text() {
  const char* text = dlerror();  // NOLINT(concurrency-mt-unsafe): per thread on glibc and macOS
  return text != nullptr ? text : "no dlerror text";
}

// Closes a handle unless ownership moved to a KpcLibrary.
struct HandleGuard {
  void* handle = nullptr;
  ~HandleGuard() {
    if (handle != nullptr) dlclose(handle);
  }
  void* release() {
    void* h = handle;
    handle = nullptr;
    return h;
  }
};

}  // namespace

KpcLibrary::KpcLibrary(void* kperf_handle, void* kperfdata_handle, const KpcSymbols& symbols)
    : kperf_handle_(kperf_handle), kperfdata_handle_(kperfdata_handle), symbols_(symbols) {}

KpcLibrary::~KpcLibrary() {
  if (kperfdata_handle_ != nullptr) dlclose(kperfdata_handle_);
  if (kperf_handle_ != nullptr) dlclose(kperf_handle_);
}

KpcLoadResult load_kpc(const std::string& kperf_path, const std::string& kperfdata_path) {
  KpcLoadResult result;
  HandleGuard handles[2];
  const std::string* paths[2] = {&kperf_path, &kperfdata_path};
  for (int i = 0; i < 2; ++i) {
    // RTLD_LAZY as DK and KD open them (darwin-facts §1.1); RTLD_LOCAL keeps the private
    // symbols out of the process's global namespace.
    handles[i].handle = dlopen(paths[i]->c_str(), RTLD_LAZY | RTLD_LOCAL);
    if (handles[i].handle == nullptr) {
      result.error = std::string(framework_name(static_cast<KpcFramework>(i))) + ": cannot open " +
                     *paths[i] + " (" + dl_error_text() + ")";
      return result;
    }
  }

  KpcSymbols symbols;
  for (const KpcSymbolEntry& entry : kpc_symbol_table()) {
    void* handle = handles[static_cast<int>(entry.framework)].handle;
    dlerror();  // NOLINT(concurrency-mt-unsafe): per thread. Clears any stale error so the text
                // below is this lookup's
    void* address = dlsym(handle, entry.name);
    if (address == nullptr) {
      result.error = std::string(framework_name(entry.framework)) + ": missing symbol " +
                     entry.name + " (" + dl_error_text() + ")";
      return result;
    }
    entry.assign(symbols, address);
  }

  result.library =
      std::make_shared<const KpcLibrary>(handles[0].handle, handles[1].handle, symbols);
  handles[0].release();  // the library owns them now
  handles[1].release();
  return result;
}

}  // namespace sysring::broker::counters::kpc
