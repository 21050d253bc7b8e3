// Reads what `sysring top` shows out of the segment into a TopSample: one consistent copy of
// the value table per look (every value from one broker publish), read through rows bound once
// per instance-directory generation. Allocates nothing once its buffers have grown.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "sysring/client.hpp"
#include "top_model.hpp"

namespace sysring::cli {

class TopSampler {
 public:
  // Resolves the families once; `client` must outlive the sampler and stay attached to the same
  // segment (make a new sampler after Client::reattach).
  explicit TopSampler(const Client& client);

  // One look. False when the broker kept publishing during every attempt (try again shortly).
  // Throws like Client::instances() on a directory that fails validation.
  bool sample(TopSample& out);

 private:
  struct BoundInstance {
    std::string name;
    std::uint32_t row = 0;
    std::uint64_t live_registration = 0;  // the row's registration word while it is this one
  };
  struct CounterFamily {
    std::string event;
    const Descriptor* descriptor = nullptr;
  };

  void bind_instances();
  [[nodiscard]] bool is_live(const DomainInfo* domain, const BoundInstance& instance) const;
  void read_cpus(std::vector<CpuSample>& out) const;
  void read_disks(std::vector<DiskSample>& out) const;
  void read_nets(std::vector<NetSample>& out) const;
  void read_scalars(TopSample& out) const;

  const Client& client_;
  ValueSnapshot snapshot_;
  std::uint64_t generation_ = 0;
  bool bound_ = false;
  const DomainInfo* cpu_domain_ = nullptr;
  const DomainInfo* disk_domain_ = nullptr;
  const DomainInfo* net_domain_ = nullptr;
  std::vector<BoundInstance> cpus_, disks_, nets_;
  // user, nice, system, idle, iowait, irq, softirq, steal
  std::array<const Descriptor*, 8> cpu_time_{};
  std::vector<CounterFamily> counter_families_;
  const Descriptor *disk_read_bytes_, *disk_write_bytes_, *disk_reads_, *disk_writes_,
      *disk_io_time_;
  const Descriptor *net_rx_bytes_, *net_tx_bytes_, *net_rx_packets_, *net_tx_packets_;
  const Descriptor *mem_total_, *mem_available_, *swap_total_, *swap_free_;
  const Descriptor *load1_, *load5_, *load15_, *runnable_, *tasks_;
  const Descriptor *psi_cpu_some_, *psi_memory_some_, *psi_memory_full_, *psi_io_some_,
      *psi_io_full_;
};

}  // namespace sysring::cli
