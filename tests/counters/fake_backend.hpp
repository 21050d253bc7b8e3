// A scripted CounterBackend: the tests set each CPU's raw readings and whether it is online.
#pragma once

#include <string>
#include <vector>

#include "counters/counter_backend.hpp"

namespace sysring::countertest {

class FakeBackend final : public broker::counters::CounterBackend {
 public:
  FakeBackend(std::vector<broker::counters::BoundEvent> events, std::uint32_t cpus)
      : events_(std::move(events)), cpus_(cpus) {
    for (std::uint32_t c = 0; c < cpus; ++c) cpus_[c].online = true;
  }

  const std::string& summary() const override { return summary_; }
  std::span<const broker::counters::BoundEvent> events() const override { return events_; }
  std::uint32_t cpu_count() const override { return static_cast<std::uint32_t>(cpus_.size()); }
  void read(std::span<broker::counters::CpuCounters> out) override {
    ++reads;
    for (std::size_t c = 0; c < out.size() && c < cpus_.size(); ++c) out[c] = cpus_[c];
  }

  // Raw kernel values of `event` on `cpu`.
  void set(std::uint32_t cpu, std::size_t event, std::uint64_t count, std::uint64_t enabled,
           std::uint64_t running) {
    cpus_[cpu].values[event] = {count, enabled, running};
  }
  void set_online(std::uint32_t cpu, bool online) { cpus_[cpu].online = online; }

  int reads = 0;
  std::string summary_ = "fake: scripted counters";

 private:
  std::vector<broker::counters::BoundEvent> events_;
  std::vector<broker::counters::CpuCounters> cpus_;
};

}  // namespace sysring::countertest
