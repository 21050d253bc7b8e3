// Writes the seed inputs of the client-side targets, made by the broker's own writers:
//   segment_open/  whole segment images (a small registry, instances, ring batches; live)
//   ring_batch/    DeltaBatch slot payloads (every value type, text, counters, events)
//   descriptors/   descriptor-table FlatBuffers
//   directory/     instance-directory buffers
//   darwin_*/      sysctl, NET_RT_IFLIST2, getfsstat and host_processor_info replies (the
//                  byte fixtures of tests/darwin)
// Usage: make_seeds OUT_DIR   (scripts/fuzz.sh --seeds regenerates fuzz/corpus with it)
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <span>
#include <string>
#include <vector>

#include "../tests/client/segment_fixture.hpp"
#include "../tests/darwin/instance_fixtures.hpp"
#include "../tests/darwin/reply_fixtures.hpp"
#include "live_segment.hpp"

namespace {

namespace fs = std::filesystem;
using sysring::broker::ColumnPlan;
using sysring::broker::DeltaEncoder;
using sysring::broker::ValueLayout;
using sysring::schema::InstanceDomain;
using sysring::schema::ValueType;

void save(const fs::path& dir, const std::string& name, std::span<const std::uint8_t> bytes) {
  fs::create_directories(dir);
  std::ofstream out(dir / name, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + (dir / name).string());
}

// Batches touching every column of `layout` once (or only the first `limit` columns), with an
// instance event: split into slot-sized parts as the broker splits them.
std::vector<std::vector<std::uint8_t>> batches(const ValueLayout& layout, std::size_t capacity,
                                               std::size_t limit, bool full_snapshot) {
  DeltaEncoder encoder(capacity);
  encoder.begin(7, 7'000'000'000, full_snapshot);
  sysring::broker::InstanceEvent added;
  added.domain = InstanceDomain::Cpu;
  added.name = "cpu0";
  added.labels = {{"device", "cpu0"}};
  added.registration = 3;
  encoder.add_event(added);
  std::size_t n = 0;
  for (const ColumnPlan& c : layout.columns()) {
    if (n++ == limit) break;
    const std::uint64_t cell = ValueLayout::cell(c, 0);
    switch (c.type) {
      case ValueType::String:
        encoder.add_text(cell, "Linux 6.1");
        break;
      case ValueType::Counter:
        encoder.add_counter(cell, 1000 + n, 5000, 4000);
        break;
      default:
        if (n % 7 == 0) {
          encoder.add_unavailable(cell);
        } else {
          encoder.add_value(cell, c.type, n * 1234567);
        }
    }
  }
  std::vector<std::vector<std::uint8_t>> parts;
  encoder.finish([&](std::span<const std::uint8_t> b, std::uint64_t) {
    parts.emplace_back(b.begin(), b.end());
  });
  return parts;
}

// The current directory buffer of a live segment's image.
std::vector<std::uint8_t> directory_buffer(const std::vector<std::uint8_t>& image) {
  const auto h = sysring::test::header_of(image);
  const std::uint64_t generation = sysring::test::peek<std::uint64_t>(
      image, offsetof(sysring::layout::Header, directory_generation));
  const std::size_t d =
      sysring::test::section_index(image, sysring::layout::SectionKind::kDirectory);
  const auto offset = sysring::test::peek<std::uint64_t>(
      image, sysring::test::section_field(d, sysring::test::kSecOffset));
  const std::size_t buffer =
      offset + sysring::layout::directory_buffer_offset(generation, h.directory_bytes);
  const auto length = sysring::test::peek<std::uint64_t>(image, buffer);
  const std::size_t payload = buffer + sizeof(sysring::layout::DirectoryBufferHeader);
  return {image.begin() + static_cast<std::ptrdiff_t>(payload),
          image.begin() + static_cast<std::ptrdiff_t>(payload + length)};
}

// The first `scalars` scalar entries of the registry and the first `per_domain` of each domain.
std::vector<sysring::registry::RegistryEntry> some_entries(std::size_t scalars,
                                                           std::size_t per_domain) {
  std::vector<sysring::registry::RegistryEntry> out;
  std::array<std::size_t, 8> taken{};
  for (const auto& e : sysring::registry::kEntries) {
    const auto d = static_cast<std::size_t>(e.domain);
    if (d < taken.size() && taken[d] < (d == 0 ? scalars : per_domain)) {
      ++taken[d];
      out.push_back(e);
    }
  }
  return out;
}

// A small live segment (the first entries of the registry, 2 rows a domain), with instances
// and a few batches in its ring: whole-image seeds of a few KB.
std::vector<std::uint8_t> small_segment(std::size_t scalar_count) {
  const std::vector<sysring::registry::RegistryEntry> entries = some_entries(scalar_count, 2);
  const auto table = sysring::test::descriptor_table(entries, sysring::registry::kSchemaHash,
                                                     sysring::test::test_capacities(2));
  const std::string name = "/sysring-seed-" + std::to_string(::getpid());
  sysring::test::WriterParams p;
  p.ring_slot_count = 2;
  p.ring_slot_size = 1024;
  p.directory_bytes = 4096;
  auto writer = sysring::test::make_writer(name, table, p);
  sysring::broker::InstanceTable instances(sysring::test::test_capacities(2), 0, 1, 4096);
  const std::array<sysring::broker::LabelView, 1> labels = {{{"device", "sda"}}};
  sysring::test::add_instance(writer, *table.layout, instances, InstanceDomain::Disk, "sda",
                              labels);
  for (const auto& part : batches(*table.layout, writer.ring().capacity(), 6, false)) {
    writer.ring().publish(part, 1);
  }
  writer.go_live();
  auto image = sysring::test::read_object(name);
  writer.close();
  return image;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUT_DIR\n", argv[0]);
    return 1;
  }
  try {
    const fs::path out = argv[1];
    sysring::fuzz::LiveSegment& live = sysring::fuzz::live_segment();
    const ValueLayout& layout = *live.table.layout;
    const std::size_t capacity = live.writer.ring().capacity();

    std::size_t i = 0;
    for (const auto& part : batches(layout, capacity, SIZE_MAX, true)) {
      save(out / "ring_batch", "full-snapshot-part" + std::to_string(i++), part);
    }
    i = 0;
    for (const auto& part : batches(layout, capacity, 24, false)) {
      save(out / "ring_batch", "delta" + std::to_string(i++), part);
    }
    save(out / "ring_batch", "values-only", sysring::test::delta_batch(live.table, 3, false, 40));

    for (const std::size_t n : {1, 12, 40}) {
      const auto entries = some_entries(n, n / 4);
      save(out / "descriptors", "first-" + std::to_string(n),
           sysring::test::descriptor_table(entries).bytes);
    }

    const auto live_image = sysring::test::read_object(live.name);
    save(out / "directory", "two-per-domain", directory_buffer(live_image));

    for (const std::size_t n : {4, 16}) {
      const auto image = small_segment(n);
      save(out / "segment_open", "live-" + std::to_string(n) + "-metrics", image);
      if (n == 4) save(out / "directory", "one-disk", directory_buffer(image));
    }
    namespace df = sysring::darwin_fixtures;
    save(out / "darwin_sysctl", "format-int", df::format_reply(df::kRd | df::kInt, "I"));
    save(out / "darwin_sysctl", "format-struct",
         df::format_reply(df::kRd | df::kOpaque, "S,loadavg"));
    save(out / "darwin_sysctl", "pagesize", df::kPagesize8);
    save(out / "darwin_sysctl", "boottime", df::boottime());
    save(out / "darwin_sysctl", "loadavg", df::loadavg());
    save(out / "darwin_sysctl", "swapusage", df::swapusage());
    save(out / "darwin_sysctl", "clockrate", df::clockrate());
    save(out / "darwin_sysctl", "cachesize", df::cachesize());
    df::Iface en0;
    en0.name = "en0";
    df::Iface lo0;
    lo0.name = "lo0";
    lo0.index = 2;
    lo0.gateway_first = true;
    save(out / "darwin_iflist", "two-interfaces",
         df::concat({df::ifinfo2(en0), df::newaddr(1), df::ifinfo2(lo0)}));
    df::Mount root;
    root.mount_point = "/";
    root.device = "/dev/disk3s1";
    root.fs_type = "apfs";
    save(out / "darwin_statfs", "one-mount", df::mount_reply({root}));
    save(out / "darwin_host_cpu", "two-cpus", df::cpu_load_reply({{1, 2, 3, 4}, {5, 6, 7, 8}}));

    std::printf("seeds written under %s\n", out.c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "make_seeds: %s\n", e.what());
    return 1;
  }
}
