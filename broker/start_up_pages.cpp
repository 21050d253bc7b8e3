#include "start_up_pages.hpp"

#include <cstdint>

#if defined(__linux__) && !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
#define SYSRING_RELEASE_START_UP_PAGES 1
#include <link.h>
#include <sys/mman.h>
#include <unistd.h>
#endif

namespace sysring::broker {

#ifdef SYSRING_RELEASE_START_UP_PAGES
namespace {

struct Range {
  std::uintptr_t begin = 0;
  std::uintptr_t end = 0;
};

// The executable's own object: the first one dl_iterate_phdr reports.
extern "C" int release_object_pages(dl_phdr_info* info, std::size_t, void* data) {
  auto& advised = *static_cast<std::size_t*>(data);
  const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  Range relro;
  for (ElfW(Half) i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_GNU_RELRO) continue;
    relro.begin = (info->dlpi_addr + ph.p_vaddr) & ~(page - 1);
    relro.end = (info->dlpi_addr + ph.p_vaddr + ph.p_memsz + page - 1) & ~(page - 1);
  }
  for (ElfW(Half) i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_LOAD || (ph.p_flags & PF_W) != 0) continue;
    // Whole pages inside the segment only: a page shared with a writable neighbour may hold
    // written data.
    std::uintptr_t begin = (info->dlpi_addr + ph.p_vaddr + page - 1) & ~(page - 1);
    std::uintptr_t end = (info->dlpi_addr + ph.p_vaddr + ph.p_filesz) & ~(page - 1);
    if (relro.begin < end && begin < relro.end) {  // overlap: keep the part before RELRO
      end = relro.begin > begin ? relro.begin : begin;
    }
    if (end <= begin) continue;
    if (::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED) == 0) {
      advised += end - begin;
    }
  }
  return 1;  // the executable only: shared objects (none in the static build) keep their pages
}

}  // namespace
#endif

std::size_t release_start_up_pages() noexcept {
#ifdef SYSRING_RELEASE_START_UP_PAGES
  std::size_t advised = 0;
  (void)::dl_iterate_phdr(release_object_pages, &advised);
  return advised;
#else
  return 0;
#endif
}

}  // namespace sysring::broker
