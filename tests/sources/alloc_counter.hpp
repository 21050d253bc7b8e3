// Counts heap allocations (global operator new) made by this thread inside a scope, so a test
// can prove that a hot path does not allocate.
#pragma once

#include <cstddef>

namespace sysring::test {

class AllocationCounter {
 public:
  AllocationCounter();
  ~AllocationCounter();
  AllocationCounter(const AllocationCounter&) = delete;
  AllocationCounter& operator=(const AllocationCounter&) = delete;
  AllocationCounter(AllocationCounter&&) = delete;
  AllocationCounter& operator=(AllocationCounter&&) = delete;

  [[nodiscard]] std::size_t count() const { return count_; }

 private:
  std::size_t count_ = 0;
  std::size_t* previous_;
};

}  // namespace sysring::test
