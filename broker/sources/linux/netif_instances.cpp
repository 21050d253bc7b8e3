#include "netif_instances.hpp"

#include <algorithm>
#include <array>
#include <memory>

#include "linux_instance_factories.hpp"
#include "netdev_parser.hpp"
#include "path_reasons.hpp"
#include "sources/procfs_parsers.hpp"

namespace sysring::broker::linux_instances {
namespace {

constexpr std::string_view kNetdevPrefix = "netdev:";
constexpr std::string_view kNetclassPrefix = "netclass:";
constexpr std::string_view kDeviceLabel = "device";

struct KnownAttribute {
  std::string_view file;
  AttributeFormat format;
};

// The net class attributes a row may name, and how each file spells its value.
constexpr std::array<KnownAttribute, 8> kKnownAttributes = {{
    {"operstate", AttributeFormat::kOperstate},
    {"carrier", AttributeFormat::kDecimal},
    {"speed", AttributeFormat::kSpeed},
    {"mtu", AttributeFormat::kDecimal},
    {"carrier_changes", AttributeFormat::kDecimal},
    {"tx_queue_len", AttributeFormat::kDecimal},
    {"ifindex", AttributeFormat::kDecimal},
    {"flags", AttributeFormat::kHex},
}};

const KnownAttribute* known_attribute(std::string_view file) {
  for (const KnownAttribute& a : kKnownAttributes) {
    if (a.file == file) return &a;
  }
  return nullptr;
}

}  // namespace

NetifInstances::NetifInstances(std::span<const registry::RegistryEntry> rows,
                               const InstanceConfig& config)
    : class_dir_(join_path(config.sys_root, "class/net")),
      exclude_("netif_exclude", config.netif_exclude) {
  for (const registry::RegistryEntry& row : rows) {
    if (!is_linux_row_of(row, InstanceDomain::Netif)) continue;
    std::string reason;
    bind(row, reason);
    if (reason.empty()) {
      table_.set_available(row.id);
    } else {
      table_.set_unavailable(row.id, std::move(reason));
    }
  }
  // net/dev is an iterated seq_file: it may come in several reads.
  netdev_ = ProcfsFile(join_path(config.proc_root, "net/dev"));
  judge_at_start();
}

// "netdev:N" or "netclass:ATTR"; adds the family to counters_ or attributes_, or sets `reason`.
void NetifInstances::bind(const registry::RegistryEntry& row, std::string& reason) {
  std::string_view spec = row.source;
  if (row.type != schema::ValueType::U64) {
    reason = bad_source(row.source, "netif values are u64");
  } else if (spec.starts_with(kNetdevPrefix)) {
    spec.remove_prefix(kNetdevPrefix.size());
    std::uint64_t index = 0;
    if (procfs::parse_u64(spec, index) != procfs::DecodeStatus::kOk || index >= kNetdevFields) {
      reason = bad_source(
          row.source, "expected netdev:N with N from 0 to " + std::to_string(kNetdevFields - 1));
    } else {
      counters_.push_back({row.id, static_cast<std::size_t>(index)});
    }
  } else if (spec.starts_with(kNetclassPrefix)) {
    spec.remove_prefix(kNetclassPrefix.size());
    const KnownAttribute* known = known_attribute(spec);
    if (known == nullptr) {
      reason = bad_source(row.source, "unknown net class attribute");
    } else {
      attributes_.push_back({row.id, known->file, known->format});
    }
  } else {
    reason = bad_source(row.source, "expected netdev:N or netclass:ATTR");
  }
}

// The first read decides: without /proc/net/dev nothing is available; a counter field no line
// has is unavailable; a sysfs attribute the first interface lacks (or no /sys/class/net) is
// unavailable. With no interface at all only the files themselves can be judged.
void NetifInstances::judge_at_start() {
  const int err = netdev_.is_open() ? netdev_.refresh() : netdev_.open_error();
  if (err != 0) {
    const std::string reason = path_error(netdev_.path(), err);
    for (const Counter& c : counters_) table_.set_unavailable(c.family, reason);
    for (const Attribute& a : attributes_) table_.set_unavailable(a.family, reason);
    counters_.clear();
    attributes_.clear();
    return;
  }
  NetdevLineReader reader(netdev_.contents());
  NetdevLine line;
  std::size_t lines = 0;
  std::size_t widest = 0;
  std::string first_kept;
  while (reader.next(line)) {
    ++lines;
    widest = std::max(widest, line.field_count);
    if (exclude_.excludes(line.name)) continue;
    if (at_start_++ == 0) first_kept = line.name;
  }
  if (lines > 0) {
    std::erase_if(counters_, [&](const Counter& c) {
      if (c.index < widest) return false;
      table_.set_unavailable(c.family,
                             netdev_.path() + ": no line has field " + std::to_string(c.index));
      return true;
    });
  }
  const std::string class_missing = missing_reason(class_dir_);
  std::erase_if(attributes_, [&](const Attribute& a) {
    std::string reason = class_missing;
    if (reason.empty() && !first_kept.empty()) {
      reason = missing_reason(join_path(join_path(class_dir_, first_kept), a.file));
    }
    if (reason.empty()) return false;
    table_.set_unavailable(a.family, std::move(reason));
    return true;
  });
}

NetifInstances::Interface NetifInstances::make_interface(std::string_view name) const {
  Interface itf{std::string(name), exclude_.excludes(name), {}};
  if (itf.excluded) return itf;
  const std::string dir = join_path(class_dir_, name);
  itf.attributes.reserve(attributes_.size());
  for (const Attribute& a : attributes_)
    itf.attributes.emplace_back(join_path(dir, a.file), a.format);
  return itf;
}

void NetifInstances::refresh(InstanceSink& sink) {
  interfaces_.begin();
  if (netdev_.refresh() == 0) {
    NetdevLineReader reader(netdev_.contents());
    NetdevLine line;
    while (reader.next(line)) {
      Interface* itf = interfaces_.match(line.name);
      if (itf == nullptr) {
        if (interfaces_.seen(line.name)) continue;
        itf = &interfaces_.insert(make_interface(line.name));
      }
      if (itf->excluded) continue;
      const LabelView label{kDeviceLabel, line.name};
      const std::uint32_t row = sink.present(line.name, {&label, 1});
      if (row == kNoRow) continue;
      for (const Counter& c : counters_) {
        sink.value(c.family, row,
                   c.index < line.field_count
                       ? Reading{layout::SlotStatus::kOk, line.fields[c.index]}
                       : Reading{layout::SlotStatus::kUnavailable, 0});
      }
      for (std::size_t i = 0; i < attributes_.size(); ++i) {
        sink.value(attributes_[i].family, row, itf->attributes[i].read());
      }
    }
  }
  interfaces_.end();
}

std::unique_ptr<InstanceSource> make_netif_instances(Rows rows, const InstanceConfig& config) {
  return std::make_unique<NetifInstances>(rows, config);
}

}  // namespace sysring::broker::linux_instances
