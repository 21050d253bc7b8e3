#include "darwin_sources.hpp"

#include <time.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <cstdio>
#include <system_error>

#include "computed_reading.hpp"

namespace sysring::broker {
namespace {

using darwin::DarwinSource;
using darwin::DecodeStatus;
using darwin::Shape;

// Reply buffers per shape. Integers get 8 bytes even for "I" nodes: the kernel then returns 4
// and says so. Strings: kern.version and hostnames (MAXHOSTNAMELEN 256) fit with room to spare.
constexpr std::size_t kIntegerBytes = 8;
constexpr std::size_t kStringBytes = 1024;
constexpr std::size_t kArrayBytes = std::size_t{64} * 8;  // hw.cacheconfig has 10 elements
constexpr std::size_t kFormatBytes = 256;                 // {0,4} cannot report its size in advance

std::string errno_text(int err) {
  return std::generic_category().message(err);
}

std::string type_name(schema::ValueType type) {
  const char* name = schema::EnumNameValueType(type);
  return name != nullptr && *name != '\0' ? name : "unknown type";
}

std::string_view shape_name(Shape s) {
  switch (s) {
    case Shape::kInteger:
      return "integer";
    case Shape::kString:
      return "string";
    case Shape::kStruct:
      return "struct";
    case Shape::kU64Array:
      return "u64 array";
    case Shape::kOther:
      break;
  }
  return "unsupported";
}

// Whether a node of this format can feed this binding; empty when it can, else why not.
std::string mismatch(const darwin::NodeFormat& f, const DarwinSource& src, schema::ValueType type) {
  const Shape shape = darwin::shape_of(f);
  char kind[16];
  (void)std::snprintf(kind, sizeof kind, "0x%x", f.kind);
  const std::string got = "format '" + std::string(f.format) + "' (" +
                          std::string(shape_name(shape)) + ", kind " + kind + ")";
  const bool integer_type = type == schema::ValueType::U64 || type == schema::ValueType::I64;
  switch (src.kind) {
    case DarwinSource::Kind::kScalar:
      if (shape == Shape::kInteger && integer_type) return {};
      if (shape == Shape::kString && type == schema::ValueType::String) return {};
      return got + " does not match registry type " + type_name(type);
    case DarwinSource::Kind::kField: {
      if (shape != Shape::kStruct) return got + " is not a struct";
      const std::string_view sname = darwin::struct_name_of(f);
      const darwin::StructField* field = darwin::find_struct_field(sname, src.field);
      if (field == nullptr) {
        return "struct '" + std::string(sname) + "' has no field '" + std::string(src.field) +
               "' this broker decodes";
      }
      if (!darwin::field_fits_type(*field, type)) {
        return "field '" + std::string(src.field) + "' cannot be published as " + type_name(type);
      }
      return {};
    }
    case DarwinSource::Kind::kElement:
      if (shape == Shape::kU64Array && integer_type) return {};
      return got + " is not a u64 array for registry type " + type_name(type);
    case DarwinSource::Kind::kComputed:
      break;
  }
  return "internal: not a sysctl source";
}

std::size_t buffer_bytes(Shape shape, std::string_view struct_name) {
  switch (shape) {
    case Shape::kInteger:
      return kIntegerBytes;
    case Shape::kString:
      return kStringBytes;
    case Shape::kStruct:
      return darwin::struct_size(struct_name);
    case Shape::kU64Array:
      return kArrayBytes;
    case Shape::kOther:
      break;
  }
  return 0;
}

}  // namespace

std::int64_t darwin::SysctlSeam::realtime_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

DarwinSources::DarwinSources(std::span<const registry::RegistryEntry> entries,
                             std::unique_ptr<darwin::SysctlSeam> seam)
    : seam_(std::move(seam)) {
  std::uint16_t max_id = 0;
  for (const auto& entry : entries) max_id = std::max(max_id, entry.id);
  slot_of_id_.assign(std::size_t{max_id} + 1, kNone);

  for (const auto& entry : entries) {
    if (slot_of_id_[entry.id] != kNone) continue;  // duplicate id: the first row wins
    slot_of_id_[entry.id] = static_cast<std::uint32_t>(slots_.size());
    Slot slot;
    std::string reason;
    const darwin::ParsedDarwinSource parsed = darwin::parse_darwin_source(entry.source);
    if (entry.platform != "darwin") {
      reason = "not a darwin metric (platform '" + std::string(entry.platform) + "')";
    } else if (!parsed.ok()) {
      reason = parsed.error;
    } else if (parsed.source.kind == DarwinSource::Kind::kComputed) {
      slot.computed = bind_computed(entry, parsed.source.name, reason);
    } else {
      slot.binding = bind(parsed.source, entry.type, reason);
    }
    slot.availability.reason = std::move(reason);
    slots_.push_back(std::move(slot));
  }

  // The first read decides what this machine has: a node that cannot be read or decoded now
  // stays unavailable, each with its reason reported once.
  for (Node& node : nodes_) {
    if (node.problem.empty()) refresh(node);
  }
  for (Slot& slot : slots_) {
    if (slot.binding != kNone) {
      const Binding& b = bindings_[slot.binding];
      if (decode(b).status != DecodeStatus::kOk) {
        slot.availability.reason = why_unreadable(b);
        slot.binding = kNone;
      }
    } else if (slot.computed != kNone) {
      const Computed& c = computed_[slot.computed];
      for (std::size_t i = 0; i < c.inputs.size(); ++i) {
        const Binding& b = bindings_[c.inputs[i]];
        if (decode(b).status == DecodeStatus::kOk) continue;
        slot.availability.reason = "input " + c.input_sources[i] + ": " + why_unreadable(b);
        slot.computed = kNone;
        break;
      }
    }
    slot.availability.available = slot.availability.reason.empty();
  }
}

// Attaches a sysctl source to its node (resolved and format-checked on first use). Returns the
// binding index, or kNone with `reason` set.
std::uint32_t DarwinSources::bind(const DarwinSource& src, schema::ValueType type,
                                  std::string& reason) {
  const std::uint32_t n = node_for(src.name);
  Node& node = nodes_[n];
  if (!node.problem.empty()) {
    reason = node.problem;
    return kNone;
  }
  darwin::NodeFormat f{node.kind, node.format};
  if (std::string why = mismatch(f, src, type); !why.empty()) {
    reason = "sysctl " + node.name + ": " + why;
    return kNone;
  }
  Binding b;
  b.node = n;
  b.kind = src.kind;
  b.index = src.index;
  b.type = type;
  if (src.kind == DarwinSource::Kind::kField) {
    b.field = darwin::find_struct_field(darwin::struct_name_of(f), src.field);
  }
  bindings_.push_back(b);
  return static_cast<std::uint32_t>(bindings_.size() - 1);
}

// The node for `name`, resolving its MIB and format the first time it is asked for.
std::uint32_t DarwinSources::node_for(std::string_view name) {
  for (std::uint32_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i].name == name) return i;
  }
  Node node;
  node.name = std::string(name);
  const std::string label = "sysctl " + node.name + ": ";
  if (const int err = seam_->name_to_mib(name, node.mib); err != 0) {
    node.problem = label + (err == ENOENT ? "unknown name on this kernel"
                                          : "cannot resolve the name: " + errno_text(err));
  } else {
    std::array<std::uint8_t, kFormatBytes> reply{};
    std::size_t length = reply.size();
    darwin::NodeFormat f;
    if (const int err2 = seam_->query_format(node.mib, reply, length); err2 != 0) {
      node.problem = label + "format query failed: " + errno_text(err2);
    } else if (const DecodeStatus s = darwin::decode_node_format(
                   std::span(reply.data(), std::min(length, reply.size())), f);
               s != DecodeStatus::kOk) {
      node.problem = label + "format query: " + std::string(darwin::to_string(s));
    } else {
      node.kind = f.kind;
      node.format = std::string(f.format);
      node.shape = darwin::shape_of(f);
      node.buffer.assign(buffer_bytes(node.shape, darwin::struct_name_of(f)), 0);
      if (node.buffer.empty()) {
        node.problem = label + "format '" + node.format + "' is not a kind this broker decodes";
      }
    }
  }
  nodes_.push_back(std::move(node));
  return static_cast<std::uint32_t>(nodes_.size() - 1);
}

// "computed:FORMULA": binds the formula's inputs as hidden readings. Index into computed_, or
// kNone with `reason` set.
std::uint32_t DarwinSources::bind_computed(const registry::RegistryEntry& entry,
                                           std::string_view formula, std::string& reason) {
  Computed c;
  c.type = entry.type;
  auto inputs = [&](ComputedKind kind, std::initializer_list<std::string_view> sources) {
    c.kind = kind;
    for (const std::string_view s : sources) c.input_sources.emplace_back(s);
  };
  if (formula == "memory_used_percent") {
    inputs(ComputedKind::kMemoryUsed, {"sysctl:hw.memsize", "sysctl:vm.page_free_count",
                                       "sysctl:vm.page_speculative_count", "sysctl:vm.pagesize"});
  } else if (formula == "compression_ratio") {
    inputs(ComputedKind::kCompressionRatio,
           {"sysctl:vm.compressor_input_bytes", "sysctl:vm.compressor_compressed_bytes"});
  } else if (formula == "swap_used_percent") {
    inputs(ComputedKind::kSwapUsed, {"sysctl:vm.swapusage:total", "sysctl:vm.swapusage:avail"});
  } else if (formula == "compressor_pressure_percent") {
    inputs(ComputedKind::kCompressorPressure,
           {"sysctl:vm.compressor_segment_pages_compressed", "sysctl:vm.compressor_segment_limit"});
  } else if (formula == "total_connections") {
    inputs(ComputedKind::kTotalConnections,
           {"sysctl:net.inet.tcp.pcbcount", "sysctl:net.inet.udp.pcbcount"});
  } else if (formula == "uptime_seconds") {
    inputs(ComputedKind::kUptime, {"sysctl:kern.boottime:sec", "sysctl:kern.boottime:usec"});
  } else if (formula == "vnode_free_percent") {
    inputs(ComputedKind::kVnodeFree,
           {"sysctl:vfs.vnstats.num_free_vnodes", "sysctl:vfs.vnstats.num_vnodes"});
  } else {
    reason = "bad source '" + std::string(entry.source) + "': unknown computed metric";
    return kNone;
  }
  const bool u64_out = c.kind == ComputedKind::kTotalConnections;
  if (entry.type != (u64_out ? schema::ValueType::U64 : schema::ValueType::F64)) {
    reason = "computed:" + std::string(formula) + " is " + (u64_out ? "u64" : "f64") + ", not " +
             type_name(entry.type);
    return kNone;
  }
  for (const std::string& s : c.input_sources) {
    const darwin::ParsedDarwinSource parsed = darwin::parse_darwin_source(s);
    const auto type =
        c.kind == ComputedKind::kUptime ? schema::ValueType::I64 : schema::ValueType::U64;
    const std::uint32_t b = bind(parsed.source, type, reason);
    if (b == kNone) {
      reason.insert(0, "input " + s + ": ");
      return kNone;
    }
    c.inputs.push_back(b);
  }
  computed_.push_back(std::move(c));
  return static_cast<std::uint32_t>(computed_.size() - 1);
}

// One sysctl by MIB into the zeroed buffer; only `length` bytes count afterwards.
void DarwinSources::refresh(Node& node) {
  node.refreshed_tick = tick_;
  ++read_count_;
  std::fill(node.buffer.begin(), node.buffer.end(), std::uint8_t{0});
  std::size_t length = node.buffer.size();
  node.error = seam_->read_by_mib(node.mib, node.buffer, length);
  node.length = node.error == 0 ? std::min(length, node.buffer.size()) : 0;
}

darwin::Decoded DarwinSources::decode(const Binding& b) const {
  const Node& node = nodes_[b.node];
  if (node.error != 0 || !node.problem.empty()) return {DecodeStatus::kTruncated, 0, {}};
  const darwin::Bytes reply(node.buffer.data(), node.length);
  switch (b.kind) {
    case DarwinSource::Kind::kScalar:
      return b.type == schema::ValueType::String
                 ? darwin::decode_string(reply, layout::kMaxStringBytes)
                 : darwin::decode_integer(reply, b.type);
    case DarwinSource::Kind::kField:
      return darwin::decode_struct_field(reply, *b.field, b.type);
    case DarwinSource::Kind::kElement:
      return darwin::decode_u64_element(reply, b.index);
    case DarwinSource::Kind::kComputed:
      break;
  }
  return {DecodeStatus::kMalformed, 0, {}};
}

std::string DarwinSources::why_unreadable(const Binding& b) const {
  const Node& node = nodes_[b.node];
  const std::string label = "sysctl " + node.name + ": ";
  if (node.error != 0) return label + "read failed: " + errno_text(node.error);
  const darwin::Decoded d = decode(b);
  return label + std::string(darwin::to_string(d.status)) + " (" + std::to_string(node.length) +
         " bytes, format '" + node.format + "')";
}

Reading DarwinSources::read_binding(std::uint32_t b) {
  const Binding& binding = bindings_[b];
  Node& node = nodes_[binding.node];
  if (node.refreshed_tick != tick_) refresh(node);
  const darwin::Decoded d = decode(binding);
  if (d.status != DecodeStatus::kOk) return {layout::SlotStatus::kReadError, 0, {}};
  return {layout::SlotStatus::kOk, d.bits, d.text};
}

// Reads the inputs (each node at most once per tick) and applies the formula. An input that
// fails this tick makes the output a read error; a formula without meaning now (no swap file
// yet, an empty compressor) is unavailable for this tick only, since on macOS both come and go.
Reading DarwinSources::evaluate(Computed& c) {
  std::array<std::uint64_t, 4> in{};
  for (std::size_t i = 0; i < c.inputs.size(); ++i) {
    const Reading r = read_binding(c.inputs[i]);
    if (r.status != layout::SlotStatus::kOk) return {layout::SlotStatus::kReadError, 0, {}};
    in[i] = r.bits;
  }
  computed::Result r;
  switch (c.kind) {
    case ComputedKind::kMemoryUsed:
      r = computed::used_percent_from_pages(in[0], in[1] + in[2], in[3]);
      break;
    case ComputedKind::kCompressionRatio:
      r = computed::ratio(in[0], in[1], "the compressor holds nothing");
      break;
    case ComputedKind::kSwapUsed:
      r = computed::used_percent(in[0], in[1], "no swap file in use");
      break;
    case ComputedKind::kCompressorPressure:
      r = computed::share_percent(in[0], in[1], "no compressor page limit");
      break;
    case ComputedKind::kTotalConnections:
      r = {computed::Outcome::kOk, static_cast<double>(in[0] + in[1]), {}};
      break;
    case ComputedKind::kUptime:
      r = computed::seconds_since(static_cast<std::int64_t>(in[0]),
                                  static_cast<std::int64_t>(in[1]), seam_->realtime_ns());
      break;
    case ComputedKind::kVnodeFree:
      r = computed::share_percent(in[0], in[1], "no vnodes");
      break;
  }
  return reading_of(r, c.type);
}

const Availability& DarwinSources::availability(std::uint16_t id) const {
  static const Availability kUnknownId{false, "unknown metric id"};
  if (id >= slot_of_id_.size() || slot_of_id_[id] == kNone) return kUnknownId;
  return slots_[slot_of_id_[id]].availability;
}

void DarwinSources::begin_tick() {
  ++tick_;
}

Reading DarwinSources::read(std::uint16_t id) {
  if (id >= slot_of_id_.size() || slot_of_id_[id] == kNone) {
    return {layout::SlotStatus::kUnavailable, 0, {}};
  }
  const Slot& slot = slots_[slot_of_id_[id]];
  if (slot.computed != kNone) {
    Computed& c = computed_[slot.computed];
    if (c.tick != tick_) {  // evaluated once per tick, however often it is read
      c.tick = tick_;
      c.reading = evaluate(c);
    }
    return c.reading;
  }
  if (slot.binding == kNone) return {layout::SlotStatus::kUnavailable, 0, {}};
  return read_binding(slot.binding);
}

std::unique_ptr<MetricSources> make_darwin_sources(std::span<const registry::RegistryEntry> entries,
                                                   std::unique_ptr<darwin::SysctlSeam> seam) {
  return std::make_unique<DarwinSources>(entries, std::move(seam));
}

}  // namespace sysring::broker
