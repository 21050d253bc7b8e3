#include "top_sampler.hpp"

#include <algorithm>
#include <string_view>

#include "instance_text.hpp"

namespace sysring::cli {
namespace {

// The family's descriptor when this broker publishes it, else nullptr (shown as absent).
const Descriptor* published(const Client& client, MetricId id) {
  const Descriptor* d = client.descriptor(id);
  return d != nullptr && d->available ? d : nullptr;
}

constexpr std::string_view kCounterPrefix = "pmc.";

}  // namespace

TopSampler::TopSampler(const Client& client)
    : client_(client),
      cpu_domain_(client.domain(InstanceDomain::Cpu)),
      disk_domain_(client.domain(InstanceDomain::Disk)),
      net_domain_(client.domain(InstanceDomain::Netif)),
      cpu_time_{published(client, MetricId::cpu_time_user),
                published(client, MetricId::cpu_time_nice),
                published(client, MetricId::cpu_time_system),
                published(client, MetricId::cpu_time_idle),
                published(client, MetricId::cpu_time_iowait),
                published(client, MetricId::cpu_time_irq),
                published(client, MetricId::cpu_time_softirq),
                published(client, MetricId::cpu_time_steal)},
      disk_read_bytes_(published(client, MetricId::disk_read_bytes)),
      disk_write_bytes_(published(client, MetricId::disk_write_bytes)),
      disk_reads_(published(client, MetricId::disk_reads_completed)),
      disk_writes_(published(client, MetricId::disk_writes_completed)),
      disk_io_time_(published(client, MetricId::disk_io_time_ms)),
      net_rx_bytes_(published(client, MetricId::netif_rx_bytes)),
      net_tx_bytes_(published(client, MetricId::netif_tx_bytes)),
      net_rx_packets_(published(client, MetricId::netif_rx_packets)),
      net_tx_packets_(published(client, MetricId::netif_tx_packets)),
      mem_total_(published(client, MetricId::mem_total)),
      mem_available_(published(client, MetricId::mem_available)),
      swap_total_(published(client, MetricId::mem_swap_total)),
      swap_free_(published(client, MetricId::mem_swap_free)),
      load1_(published(client, MetricId::load_avg1)),
      load5_(published(client, MetricId::load_avg5)),
      load15_(published(client, MetricId::load_avg15)),
      runnable_(published(client, MetricId::load_runnable)),
      tasks_(published(client, MetricId::load_tasks)),
      psi_cpu_some_(published(client, MetricId::pressure_cpu_some_avg10)),
      psi_memory_some_(published(client, MetricId::pressure_memory_some_avg10)),
      psi_memory_full_(published(client, MetricId::pressure_memory_full_avg10)),
      psi_io_some_(published(client, MetricId::pressure_io_some_avg10)),
      psi_io_full_(published(client, MetricId::pressure_io_full_avg10)) {
  for (const Descriptor& d : client.descriptors()) {
    if (d.available && d.type == ValueType::Counter && d.domain == InstanceDomain::Cpu &&
        d.name.starts_with(kCounterPrefix)) {
      counter_families_.push_back({d.name.substr(kCounterPrefix.size()), &d});
    }
  }
}

void TopSampler::bind_instances() {
  const auto directory = client_.instances();
  const auto bind = [&](InstanceDomain domain, std::vector<BoundInstance>& out) {
    out.clear();
    for (const Instance* i : directory->live(domain)) {
      out.push_back({i->name, i->row, i->registration | layout::kRegistrationLive});
    }
    std::sort(out.begin(), out.end(), [](const BoundInstance& a, const BoundInstance& b) {
      return natural_less(a.name, b.name);
    });
  };
  bind(InstanceDomain::Cpu, cpus_);
  bind(InstanceDomain::Disk, disks_);
  bind(InstanceDomain::Netif, nets_);
  generation_ = directory->generation;
  bound_ = true;
}

bool TopSampler::is_live(const DomainInfo* domain, const BoundInstance& instance) const {
  return domain != nullptr &&
         snapshot_.registration(*domain, instance.row) == instance.live_registration;
}

bool TopSampler::sample(TopSample& out) {
  if (!bound_ || client_.directory_generation() != generation_) bind_instances();
  // The tick before the copy: the values are at least that new, so a publish racing the copy is
  // picked up at the next look instead of being taken as already seen.
  const std::uint64_t tick = client_.live_header().tick_count.load(std::memory_order_acquire);
  if (!client_.read_all(snapshot_)) return false;
  out.tick_count = tick;
  read_cpus(out.cpus);
  read_disks(out.disks);
  read_nets(out.nets);
  read_scalars(out);
  return true;
}

void TopSampler::read_cpus(std::vector<CpuSample>& out) const {
  out.resize(cpus_.size());
  for (std::size_t i = 0; i < cpus_.size(); ++i) {
    const BoundInstance& cpu = cpus_[i];
    CpuSample& s = out[i];
    s.name = cpu.name;
    const bool live = is_live(cpu_domain_, cpu);
    std::array<std::uint64_t, 8> ticks{};
    s.ticks_ok = live;
    s.read_time_ns = 0;
    for (std::size_t t = 0; t < ticks.size() && s.ticks_ok; ++t) {
      Scalar v;
      s.ticks_ok =
          cpu_time_[t] != nullptr && snapshot_.scalar(*cpu_time_[t], cpu.row, v) == ReadStatus::kOk;
      ticks[t] = v.as_u64();
      if (t == 0) s.read_time_ns = v.read_time_ns;
    }
    s.ticks = {ticks[0], ticks[1], ticks[2], ticks[3], ticks[4], ticks[5], ticks[6], ticks[7]};
    s.counters.resize(counter_families_.size());
    for (std::size_t c = 0; c < counter_families_.size(); ++c) {
      CounterSample::Entry& e = s.counters[c];
      e.event = counter_families_[c].event;
      e.id = counter_families_[c].descriptor->id;
      e.status = live ? snapshot_.counter(*counter_families_[c].descriptor, cpu.row, e.totals)
                      : ReadStatus::kGone;
    }
  }
}

void TopSampler::read_disks(std::vector<DiskSample>& out) const {
  out.resize(disks_.size());
  for (std::size_t i = 0; i < disks_.size(); ++i) {
    const BoundInstance& disk = disks_[i];
    DiskSample& s = out[i];
    s.name = disk.name;
    Scalar read_bytes, write_bytes, reads, writes, busy;
    s.ok = is_live(disk_domain_, disk) && disk_read_bytes_ && disk_write_bytes_ && disk_reads_ &&
           disk_writes_ &&
           snapshot_.scalar(*disk_read_bytes_, disk.row, read_bytes) == ReadStatus::kOk &&
           snapshot_.scalar(*disk_write_bytes_, disk.row, write_bytes) == ReadStatus::kOk &&
           snapshot_.scalar(*disk_reads_, disk.row, reads) == ReadStatus::kOk &&
           snapshot_.scalar(*disk_writes_, disk.row, writes) == ReadStatus::kOk;
    s.read_time_ns = read_bytes.read_time_ns;
    s.read_bytes = read_bytes.as_u64();
    s.write_bytes = write_bytes.as_u64();
    s.reads = reads.as_u64();
    s.writes = writes.as_u64();
    s.io_time_ms.reset();
    // Rates divide by read_bytes' interval: the busy time is used only when read with it.
    if (s.ok && disk_io_time_ != nullptr &&
        snapshot_.scalar(*disk_io_time_, disk.row, busy) == ReadStatus::kOk &&
        busy.read_time_ns == read_bytes.read_time_ns) {
      s.io_time_ms = busy.as_u64();
    }
  }
}

void TopSampler::read_nets(std::vector<NetSample>& out) const {
  out.resize(nets_.size());
  for (std::size_t i = 0; i < nets_.size(); ++i) {
    const BoundInstance& net = nets_[i];
    NetSample& s = out[i];
    s.name = net.name;
    Scalar rx_bytes, tx_bytes, rx_packets, tx_packets;
    s.ok = is_live(net_domain_, net) && net_rx_bytes_ && net_tx_bytes_ && net_rx_packets_ &&
           net_tx_packets_ &&
           snapshot_.scalar(*net_rx_bytes_, net.row, rx_bytes) == ReadStatus::kOk &&
           snapshot_.scalar(*net_tx_bytes_, net.row, tx_bytes) == ReadStatus::kOk &&
           snapshot_.scalar(*net_rx_packets_, net.row, rx_packets) == ReadStatus::kOk &&
           snapshot_.scalar(*net_tx_packets_, net.row, tx_packets) == ReadStatus::kOk;
    s.read_time_ns = rx_bytes.read_time_ns;
    s.rx_bytes = rx_bytes.as_u64();
    s.tx_bytes = tx_bytes.as_u64();
    s.rx_packets = rx_packets.as_u64();
    s.tx_packets = tx_packets.as_u64();
  }
}

void TopSampler::read_scalars(TopSample& out) const {
  const auto u64 = [&](const Descriptor* d) -> std::optional<std::uint64_t> {
    Scalar v;
    if (d == nullptr || snapshot_.scalar(*d, 0, v) != ReadStatus::kOk) return std::nullopt;
    return v.as_u64();
  };
  const auto f64 = [&](const Descriptor* d) -> std::optional<double> {
    Scalar v;
    if (d == nullptr || snapshot_.scalar(*d, 0, v) != ReadStatus::kOk) return std::nullopt;
    return v.as_f64();
  };
  out.memory = {u64(mem_total_), u64(mem_available_), u64(swap_total_), u64(swap_free_)};
  out.load = {f64(load1_), f64(load5_), f64(load15_), u64(runnable_), u64(tasks_)};
  out.pressure = {f64(psi_cpu_some_), f64(psi_memory_some_), f64(psi_memory_full_),
                  f64(psi_io_some_), f64(psi_io_full_)};
}

}  // namespace sysring::cli
