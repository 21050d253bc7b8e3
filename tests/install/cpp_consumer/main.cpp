// Reads an installed broker's segment through the installed C++ headers and library: one
// scalar (mem.total) and one family across the live CPUs, printed one value a line as
//   mem.total 8123456789
//   cpu.time.idle{cpu="0"} 123456
// Usage: cpp_consumer SEGMENT. Exit status: 0 when every value read, 1 otherwise.
#include <cstdio>
#include <exception>
#include <string>

#include "sysring/client.hpp"

namespace {

std::string label_text(const sysring::Instance& instance) {
  std::string text = "{";
  for (const auto& label : instance.labels) {
    if (text.size() > 1) text += ',';
    text += label.key + "=\"" + label.value + '"';
  }
  return text + '}';
}

bool print_mem_total(const sysring::Client& client) {
  const auto id = client.find("mem.total");  // by name, as a generic tool would
  sysring::Scalar total;
  if (!id || client.read(*id, total) != sysring::ReadStatus::kOk) {
    std::fprintf(stderr, "cpp_consumer: mem.total: no value\n");
    return false;
  }
  std::printf("mem.total %llu\n", static_cast<unsigned long long>(total.as_u64()));
  return true;
}

bool print_cpu_idle(const sysring::Client& client) {
  const sysring::FamilyValues cpus = client.read_family(sysring::MetricId::cpu_time_idle);
  bool all_read = !cpus.values.empty();
  for (const auto& cpu : cpus.values) {
    if (cpu.status != sysring::ReadStatus::kOk) {
      std::fprintf(stderr, "cpp_consumer: cpu.time.idle of %s: %s\n", cpu.instance->name.c_str(),
                   sysring::to_string(cpu.status));
      all_read = false;
      continue;
    }
    std::printf("cpu.time.idle%s %llu\n", label_text(*cpu.instance).c_str(),
                static_cast<unsigned long long>(cpu.value.as_u64()));
  }
  return all_read;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: cpp_consumer SEGMENT\n");
    return 2;
  }
  try {
    const auto client = sysring::Client::open({.name = argv[1]});
    const bool mem_ok = print_mem_total(client);
    const bool cpu_ok = print_cpu_idle(client);
    return mem_ok && cpu_ok ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cpp_consumer: %s\n", e.what());
    return 1;
  }
}
