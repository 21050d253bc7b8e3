// Counts this thread's heap allocations inside a scope, so a test can show that a steady-state
// refresh does not allocate. Replaces the global operator new: include it in exactly one file
// of a test executable (each *_test.cpp here is one).
#pragma once

#include <cstddef>
#include <cstdlib>
#include <new>

// ThreadSanitizer's runtime defines the allocation functions in one object with others the
// program needs: a replacement would be a second definition. Allocation tests skip there.
#if defined(__SANITIZE_THREAD__)
#define SYSRING_TEST_COUNTS_ALLOCATIONS 0
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SYSRING_TEST_COUNTS_ALLOCATIONS 0
#endif
#endif
#ifndef SYSRING_TEST_COUNTS_ALLOCATIONS
#define SYSRING_TEST_COUNTS_ALLOCATIONS 1
#endif

namespace sysring::test {

inline constexpr bool kCountsAllocations = SYSRING_TEST_COUNTS_ALLOCATIONS != 0;

inline thread_local std::size_t* active_allocation_count = nullptr;

class AllocationCount {
 public:
  AllocationCount() : previous_(active_allocation_count) { active_allocation_count = &count_; }
  ~AllocationCount() { active_allocation_count = previous_; }
  AllocationCount(const AllocationCount&) = delete;
  AllocationCount& operator=(const AllocationCount&) = delete;
  AllocationCount(AllocationCount&&) = delete;
  AllocationCount& operator=(AllocationCount&&) = delete;

  [[nodiscard]] std::size_t count() const { return count_; }

 private:
  std::size_t count_ = 0;
  std::size_t* previous_;
};

}  // namespace sysring::test

#if SYSRING_TEST_COUNTS_ALLOCATIONS
// The replacements (the array and aligned-free forms forward to these).
void* operator new(std::size_t size) {
  if (sysring::test::active_allocation_count != nullptr) ++*sysring::test::active_allocation_count;
  // NOLINTNEXTLINE(*-no-malloc): the allocator itself
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
// gcc pairs the free() below with the replaced operator new inlined into the same file and
// warns of a mismatch that is none: both sides of the pair are ours.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
void operator delete(void* p) noexcept {
  std::free(p);  // NOLINT(*-no-malloc)
}
void operator delete(void* p, std::size_t /*size*/) noexcept {
  std::free(p);  // NOLINT(*-no-malloc)
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#endif  // SYSRING_TEST_COUNTS_ALLOCATIONS
