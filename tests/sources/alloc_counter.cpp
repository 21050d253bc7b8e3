#include "alloc_counter.hpp"

#include <cstdlib>
#include <new>

namespace {
thread_local std::size_t* active_counter = nullptr;
}  // namespace

namespace sysring::test {

AllocationCounter::AllocationCounter() : previous_(active_counter) {
  active_counter = &count_;
}
AllocationCounter::~AllocationCounter() {
  active_counter = previous_;
}

}  // namespace sysring::test

// Replacements of the global allocation functions (the array forms forward to these).
void* operator new(std::size_t size) {
  if (active_counter != nullptr) ++*active_counter;
  // NOLINTNEXTLINE(*-no-malloc): the allocator itself
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);  // NOLINT(*-no-malloc)
}
void operator delete(void* p, std::size_t /*size*/) noexcept {
  std::free(p);  // NOLINT(*-no-malloc)
}
