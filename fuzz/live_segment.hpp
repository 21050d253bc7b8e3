// A real, live segment made by the broker's own SegmentWriter (full registry, a few instances in
// every domain, a ring), and a Client opened on it: the context the ring, descriptor and
// directory targets decode their inputs against. One per process, removed at exit.
#pragma once

#include <unistd.h>

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "../tests/client/segment_fixture.hpp"
#include "instances/instance_table.hpp"
#include "sysring/client.hpp"

namespace sysring::fuzz {

struct LiveSegment {
  test::DescriptorImage table = test::descriptor_table();
  std::string name = "/sysring-fuzz-live-" + std::to_string(::getpid());
  broker::SegmentWriter writer;
  broker::InstanceTable instances{test::test_capacities(), 0, 1, 4096};
  std::unique_ptr<Client> client;

  LiveSegment() : writer(make()) {
    constexpr std::array<schema::InstanceDomain, 6> kDomains = {
        schema::InstanceDomain::Cpu,   schema::InstanceDomain::Disk,
        schema::InstanceDomain::Netif, schema::InstanceDomain::Filesystem,
        schema::InstanceDomain::Numa,  schema::InstanceDomain::Cgroup};
    for (const schema::InstanceDomain d : kDomains) {
      const std::array<broker::LabelView, 1> labels = {{{"device", "fuzz0"}}};
      test::add_instance(writer, *table.layout, instances, d, "fuzz0", labels);
      test::add_instance(writer, *table.layout, instances, d, "fuzz1", {});
    }
    writer.go_live();
    OpenOptions options;
    options.name = name;
    client = std::make_unique<Client>(Client::open(options));
  }
  LiveSegment(const LiveSegment&) = delete;
  LiveSegment& operator=(const LiveSegment&) = delete;
  ~LiveSegment() { writer.close(); }

 private:
  broker::SegmentWriter make() {
    test::WriterParams p;
    p.ring_slot_size = 16384;  // room for a full batch of the whole registry
    p.ring_slot_count = 4;
    return test::make_writer(name, table, p);
  }
};

// The process's one live segment, made on first use.
inline LiveSegment& live_segment() {
  static LiveSegment* segment = new LiveSegment();  // never destroyed: see atexit below
  static const bool cleanup = [] {
    std::atexit([] { live_segment().writer.close(); });
    return true;
  }();
  (void)cleanup;
  return *segment;
}

}  // namespace sysring::fuzz
