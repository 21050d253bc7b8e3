#include "start_up_pages.hpp"

#include <algorithm>
#include <cstdint>

#if defined(__linux__) && !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
#define SYSRING_RELEASE_START_UP_PAGES 1
#include <fcntl.h>
#include <link.h>
#include <sys/mman.h>
#include <unistd.h>
#ifdef SYSRING_HOT_PAGE_TRACE
#include <signal.h>

#include <cstdlib>
#endif
#endif

namespace sysring::broker {

#ifdef SYSRING_RELEASE_START_UP_PAGES
namespace {

// Addresses come from program headers and pagemap offsets, so they are integers first.
int drop_pages(std::uintptr_t begin, std::size_t length) noexcept {
  // NOLINTNEXTLINE(performance-no-int-to-ptr): a page address computed from the ELF headers
  return ::madvise(reinterpret_cast<void*>(begin), length, MADV_DONTNEED);
}

struct Range {
  std::uintptr_t begin = 0;
  std::uintptr_t end = 0;
};

struct Released {
  std::size_t read_only = 0;
  std::size_t relro = 0;
};

constexpr std::uint64_t kPagePresent = std::uint64_t{1} << 63;
constexpr std::uint64_t kPageSwapped = std::uint64_t{1} << 62;
constexpr std::uint64_t kPageFileOrSharedAnon = std::uint64_t{1} << 61;

// RELRO's pages that relocation (or anything else) wrote are private anonymous copies: dropping
// them would lose the write. The others are still the executable's file pages (most of a static
// non-PIE binary's RELRO: libpfm4's event tables, vtables), which a read faults back in. The
// range is read-only by now (mprotect after relocation), so nothing can write a page between
// /proc/self/pagemap's answer and the madvise. Pages whose state cannot be read are kept.
std::size_t release_relro_file_pages(Range relro, std::uintptr_t page) {
  const int fd = ::open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  std::size_t released = 0;
  std::uintptr_t run_begin = 0;  // start of the current run of file pages, 0: none
  const auto flush = [&](std::uintptr_t run_end) {
    if (run_begin != 0 && run_end > run_begin && drop_pages(run_begin, run_end - run_begin) == 0) {
      released += run_end - run_begin;
    }
    run_begin = 0;
  };
  constexpr std::size_t kBatch = 64;
  std::uint64_t entries[kBatch];
  std::uintptr_t at = relro.begin;  // pages before it have been read
  while (at < relro.end) {
    const std::size_t want = std::min<std::size_t>(kBatch, (relro.end - at) / page);
    const ssize_t got = ::pread(fd, entries, want * sizeof entries[0],
                                static_cast<off_t>(at / page * sizeof entries[0]));
    if (got < static_cast<ssize_t>(sizeof entries[0])) break;
    const std::size_t n = static_cast<std::size_t>(got) / sizeof entries[0];
    for (std::size_t i = 0; i < n; ++i, at += page) {
      const std::uint64_t e = entries[i];
      const bool file_page =
          (e & kPagePresent) != 0 && (e & kPageSwapped) == 0 && (e & kPageFileOrSharedAnon) != 0;
      if (file_page) {
        if (run_begin == 0) run_begin = at;
      } else {
        flush(at);
      }
    }
  }
  flush(at);  // a short read ends the run at the last page whose state was read
  ::close(fd);
  return released;
}

#ifdef SYSRING_HOT_PAGE_TRACE
// Profiling build only (cmake -DSYSRING_HOT_PAGE_TRACE=ON, scripts/hot_text_order.py): with
// SYSRING_HOT_PAGE_TRACE=1 in the environment, the released ranges are made inaccessible and
// each page the broker then touches is made accessible again, one SIGSEGV each, so that
// /proc/PID/maps lists the pages steady state uses. Read-only data is traced too, which would
// fail a system call given a pointer into a page not yet touched (EFAULT): a profiling run only.
struct TraceRange {
  std::uintptr_t begin, end;
  long prot;
};
TraceRange g_trace[4];
int g_trace_count = 0;

// Async-signal-safe and free of calls into the traced text: the mprotect is a raw system call.
extern "C" __attribute__((noinline, no_stack_protector)) void on_trace_fault(int, siginfo_t* si,
                                                                             void*) {
  const std::uintptr_t p = reinterpret_cast<std::uintptr_t>(si->si_addr) & ~std::uintptr_t{4095};
  long prot = -1;
  for (int i = 0; i < g_trace_count; ++i) {
    if (p >= g_trace[i].begin && p < g_trace[i].end) prot = g_trace[i].prot;
  }
  long r;
  if (prot < 0) {  // a real SIGSEGV: exit_group(139)
    __asm__ volatile("syscall" : "=a"(r) : "a"(231), "D"(139) : "rcx", "r11", "memory");
    return;
  }
  __asm__ volatile("syscall"
                   : "=a"(r)
                   : "a"(10), "D"(p), "S"(4096), "d"(prot)
                   : "rcx", "r11", "memory");
}

void trace_range(std::uintptr_t begin, std::uintptr_t end, long prot) {
  const char* on = std::getenv("SYSRING_HOT_PAGE_TRACE");
  if (on == nullptr || on[0] != '1' || g_trace_count == 4) return;
  g_trace[g_trace_count++] = {begin, end, prot};
  struct sigaction sa {};
  sa.sa_sigaction = on_trace_fault;
  sa.sa_flags = SA_SIGINFO | SA_NODEFER;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGSEGV, &sa, nullptr);
  struct sigaction installed {};
  ::sigaction(SIGSEGV, nullptr, &installed);
  const auto page_of = [](const void* p) {
    return reinterpret_cast<std::uintptr_t>(p) & ~std::uintptr_t{4095};
  };
  // The handler, the signal return trampoline and the ranges table stay accessible.
  const std::uintptr_t keep[4] = {page_of(reinterpret_cast<const void*>(&on_trace_fault)),
                                  page_of(reinterpret_cast<const void*>(&on_trace_fault)) + 4096,
                                  page_of(reinterpret_cast<const void*>(installed.sa_restorer)),
                                  page_of(&g_trace)};
  for (std::uintptr_t at = begin;;) {
    std::uintptr_t next = end;
    for (const std::uintptr_t k : keep) {
      if (k >= at && k < next) next = k;
    }
    if (next > at) ::mprotect(reinterpret_cast<void*>(at), next - at, PROT_NONE);
    if (next >= end) break;
    at = next + 4096;
  }
}
#else
void trace_range(std::uintptr_t, std::uintptr_t, long) {}
#endif

// The executable's own object: the first one dl_iterate_phdr reports.
extern "C" int release_object_pages(dl_phdr_info* info, std::size_t, void* data) {
  auto& released = *static_cast<Released*>(data);
  const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  Range relro;
  std::uintptr_t relro_protected_end = 0;
  for (ElfW(Half) i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_GNU_RELRO) continue;
    relro.begin = (info->dlpi_addr + ph.p_vaddr) & ~(page - 1);
    relro_protected_end = info->dlpi_addr + ph.p_vaddr + ph.p_memsz;
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
    if (drop_pages(begin, end - begin) == 0) {
      released.read_only += end - begin;
    }
    trace_range(begin, end, (ph.p_flags & PF_X) != 0 ? PROT_READ | PROT_EXEC : PROT_READ);
  }
  // Only the pages that the loader made read-only: glibc protects RELRO up to its last whole
  // page, and a partial last page shares its rest with writable data.
  const Range protected_relro{relro.begin, relro.end == 0 ? 0 : relro_protected_end & ~(page - 1)};
  if (protected_relro.end > protected_relro.begin) {
    released.relro = release_relro_file_pages(protected_relro, page);
    trace_range(relro.begin, relro.end, PROT_READ);
  }
  return 1;  // the executable only: shared objects (none in the static build) keep their pages
}

}  // namespace
#endif

std::size_t release_start_up_pages() noexcept {
#ifdef SYSRING_RELEASE_START_UP_PAGES
  Released released;
  (void)::dl_iterate_phdr(release_object_pages, &released);
  return released.read_only + released.relro;
#else
  return 0;
#endif
}

}  // namespace sysring::broker
