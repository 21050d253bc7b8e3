#include "value_audit.hpp"

#include "soak_encoding.hpp"

namespace sysring::soak {

void Tally::problem(std::uint64_t& counter, const std::string& what) {
  ++counter;
  if (first_problem.empty()) first_problem = what;
}

void ValueAudit::new_epoch(std::uint64_t epoch) {
  if (epoch == epoch_) return;
  epoch_ = epoch;
  last_.clear();
}

void ValueAudit::cpu_time(std::string_view cpu_name, std::uint32_t field,
                          std::uint64_t registration, std::uint64_t publish_ns,
                          std::uint64_t value) {
  ++tally_.reads;
  const auto cpu = cpu_number(cpu_name);
  const auto code = decode_cpu(value);
  if (!cpu || !code || code->cpu != *cpu || code->field != field) {
    tally_.problem(tally_.wrong_instance, std::string(cpu_name) + " field " +
                                              std::to_string(field) + " read " +
                                              std::to_string(value));
    return;
  }
  Last& last = last_[Key{*cpu, field, registration}];
  const std::string cell = std::string(cpu_name) + " field " + std::to_string(field);
  if (publish_ns != 0 && last.publish_ns != 0) {
    if (publish_ns == last.publish_ns && value != last.value) {
      tally_.problem(tally_.torn, cell + ": publish " + std::to_string(publish_ns) + " read " +
                                      std::to_string(last.value) + " then " +
                                      std::to_string(value));
      return;
    }
    if (publish_ns < last.publish_ns) {
      tally_.problem(tally_.torn, cell + ": publish time went back from " +
                                      std::to_string(last.publish_ns) + " to " +
                                      std::to_string(publish_ns));
      return;
    }
  }
  if (last.seen && value < last.value) {
    tally_.problem(tally_.backwards, cell + " went back from " + std::to_string(last.value) +
                                         " to " + std::to_string(value));
  }
  last = {publish_ns, value, true};
}

void ValueAudit::fs_value(std::string_view mountpoint, bool is_size, std::uint64_t value) {
  const auto j = mount_number(mountpoint);
  if (!j) return;
  ++tally_.reads;
  const std::uint64_t want = is_size ? mount_size_bytes(*j) : mount_files(*j);
  if (value != want) {
    tally_.problem(tally_.wrong_instance,
                   std::string(mountpoint) + (is_size ? " size " : " files ") +
                       std::to_string(value) + ", not " + std::to_string(want));
  }
}

void ValueAudit::netif_mtu(std::string_view name, std::uint64_t value) {
  const auto want = veth_mtu(name);
  if (!want) return;
  ++tally_.reads;
  if (value != *want) {
    tally_.problem(tally_.wrong_instance, std::string(name) + " mtu " + std::to_string(value) +
                                              ", not " + std::to_string(*want));
  }
}

void ValueAudit::same_publish(std::string_view cpu_name, std::uint64_t first_counter,
                              std::uint64_t other_counter) {
  if (first_counter != other_counter) {
    tally_.problem(tally_.torn, std::string(cpu_name) + ": one publish has fixture counters " +
                                    std::to_string(first_counter) + " and " +
                                    std::to_string(other_counter));
  }
}

}  // namespace sysring::soak
