#include "netif_instances.hpp"

#include <algorithm>
#include <array>
#include <memory>
#include <utility>

#include "arp_parser.hpp"
#include "linux_instance_factories.hpp"
#include "netdev_parser.hpp"
#include "netif_labels.hpp"
#include "path_reasons.hpp"
#include "rtnetlink_dumper.hpp"
#include "sources/procfs_parsers.hpp"

namespace sysring::broker::linux_instances {
namespace {

using FromLink = NetifInstances::FromLink;

constexpr std::string_view kNetdevPrefix = "netdev:";
constexpr std::string_view kNetclassPrefix = "netclass:";
constexpr std::string_view kArpSource = "arp:entries";
// Labels after `device`, in domain_label_keys(Netif) order, and the sysfs files that hold them.
constexpr std::array<std::string_view, 3> kLabelFiles = {"address", "broadcast", "ifalias"};
constexpr std::string_view kDump = "rtnetlink RTM_GETLINK";

struct KnownAttribute {
  std::string_view file;
  AttributeFormat format;
  FromLink link;
  std::string_view link_name;
};

// The net class attributes a row may name, how each file spells its value, and the value of a
// link message that equals it (flags: see the top of netif_instances.hpp).
constexpr std::array<KnownAttribute, 19> kKnownAttributes = {{
    {"operstate", AttributeFormat::kOperstate, FromLink::kOperstate, "IFLA_OPERSTATE"},
    {"carrier", AttributeFormat::kDecimal, FromLink::kCarrier, "IFLA_CARRIER"},
    {"speed", AttributeFormat::kSpeed, FromLink::kNone, ""},
    {"mtu", AttributeFormat::kDecimal, FromLink::kMtu, "IFLA_MTU"},
    {"carrier_changes", AttributeFormat::kDecimal, FromLink::kCarrierChanges,
     "IFLA_CARRIER_CHANGES"},
    {"tx_queue_len", AttributeFormat::kDecimal, FromLink::kTxQueueLen, "IFLA_TXQLEN"},
    {"ifindex", AttributeFormat::kDecimal, FromLink::kIfindex, "ifi_index"},
    {"flags", AttributeFormat::kHex, FromLink::kNone, ""},
    {"addr_assign_type", AttributeFormat::kDecimal, FromLink::kNone, ""},
    {"dev_id", AttributeFormat::kHex, FromLink::kNone, ""},
    {"dormant", AttributeFormat::kDecimal, FromLink::kNone, ""},
    {"iflink", AttributeFormat::kDecimal, FromLink::kNone, ""},
    {"link_mode", AttributeFormat::kDecimal, FromLink::kNone, ""},
    {"name_assign_type", AttributeFormat::kDecimal, FromLink::kNone, ""},
    {"netdev_group", AttributeFormat::kDecimal, FromLink::kNone, ""},
    {"type", AttributeFormat::kDecimal, FromLink::kNone, ""},
    {"carrier_up_count", AttributeFormat::kDecimal, FromLink::kCarrierUpCount,
     "IFLA_CARRIER_UP_COUNT"},
    {"carrier_down_count", AttributeFormat::kDecimal, FromLink::kCarrierDownCount,
     "IFLA_CARRIER_DOWN_COUNT"},
    {"duplex", AttributeFormat::kDuplex, FromLink::kNone, ""},
}};

// netdev:rx_nohandler: not a /proc/net/dev field; the files have it under statistics/.
constexpr std::string_view kRxNohandlerSource = "netdev:rx_nohandler";
constexpr KnownAttribute kRxNohandler = {"statistics/rx_nohandler", AttributeFormat::kDecimal,
                                         FromLink::kRxNohandler, "IFLA_STATS64 rx_nohandler"};

const KnownAttribute* known_attribute(std::string_view file) {
  for (const KnownAttribute& a : kKnownAttributes) {
    if (a.file == file) return &a;
  }
  return nullptr;
}

// The highest IF_OPER_* code (up): sysfs fails the read of a code it has no name for.
constexpr std::uint8_t kHighestOperstate = 6;

constexpr Reading ok(std::uint64_t value) {
  return {layout::SlotStatus::kOk, value};
}
constexpr Reading kNoValue{layout::SlotStatus::kUnavailable, 0};

// Whether the message of `link` has the attribute `a` (ifindex is in every message's header).
bool carries(const LinkRecord& link, FromLink a) {
  switch (a) {
    case FromLink::kOperstate:
      return link.has(LinkAttribute::kOperstate);
    case FromLink::kCarrier:
      return link.has(LinkAttribute::kCarrier);
    case FromLink::kCarrierChanges:
      return link.has(LinkAttribute::kCarrierChanges);
    case FromLink::kMtu:
      return link.has(LinkAttribute::kMtu);
    case FromLink::kTxQueueLen:
      return link.has(LinkAttribute::kTxQueueLen);
    case FromLink::kIfindex:
      return true;
    case FromLink::kCarrierUpCount:
      return link.has(LinkAttribute::kCarrierUpCount);
    case FromLink::kCarrierDownCount:
      return link.has(LinkAttribute::kCarrierDownCount);
    case FromLink::kRxNohandler:
      return link.has(LinkAttribute::kRxNohandler);
    case FromLink::kNone:
      break;
  }
  return false;
}

// `a` of `link` as the sysfs file of the same name reads it: an attribute the message lacks is
// a missing file, and sysfs fails the read of carrier unless the interface is up, and of an
// operstate code it has no name for (both: no value).
Reading link_reading(FromLink a, const LinkRecord& link) {
  if (!carries(link, a)) return kNoValue;
  switch (a) {
    case FromLink::kOperstate:
      return link.operstate <= kHighestOperstate ? ok(link.operstate) : kNoValue;
    case FromLink::kCarrier:
      return (link.flags & rtnetlink::kIffUp) != 0 ? ok(link.carrier != 0 ? 1 : 0) : kNoValue;
    case FromLink::kCarrierChanges:
      return ok(link.carrier_changes);
    case FromLink::kMtu:
      return ok(link.mtu);
    case FromLink::kTxQueueLen:
      return ok(link.tx_queue_len);
    case FromLink::kIfindex:
      return ok(static_cast<std::uint32_t>(link.index));
    case FromLink::kCarrierUpCount:
      return ok(link.carrier_up_count);
    case FromLink::kCarrierDownCount:
      return ok(link.carrier_down_count);
    case FromLink::kRxNohandler:
      return ok(link.rx_nohandler);
    case FromLink::kNone:
      break;
  }
  return kNoValue;
}

// Why a dump cannot be used ("rtnetlink RTM_GETLINK: recvmsg: ..."); empty when it can.
std::string dump_problem(const LinkDump& dump) {
  std::string why(kDump);
  if (dump.error != 0)
    return why.append(": ").append(dump.step).append(": ").append(errno_text(dump.error));
  LinkDumpReader reader(dump.bytes);
  LinkRecord link;
  while (reader.next(link)) {
  }
  switch (reader.status()) {
    case DumpStatus::kDone:
      return {};
    case DumpStatus::kFailed:
      return why.append(": ").append(errno_text(reader.error()));
    case DumpStatus::kMalformed:
      return why.append(": malformed reply");
    case DumpStatus::kUnfinished:
      break;
  }
  return why.append(": reply without NLMSG_DONE");
}

// The machine's own roots: its links are read over rtnetlink.
std::unique_ptr<LinkDumper> dumper_for(const InstanceConfig& config) {
  if (config.proc_root != "/proc" || config.sys_root != "/sys") return nullptr;
  return std::make_unique<RtnetlinkDumper>();
}

}  // namespace

NetifInstances::NetifInstances(std::span<const registry::RegistryEntry> rows,
                               const InstanceConfig& config)
    : NetifInstances(rows, config, dumper_for(config)) {}

NetifInstances::NetifInstances(std::span<const registry::RegistryEntry> rows,
                               const InstanceConfig& config, std::unique_ptr<LinkDumper> dumper)
    : dumper_(std::move(dumper)),
      class_dir_(join_path(config.sys_root, "class/net")),
      exclude_("netif_exclude", config.netif_exclude) {
  bool wants_arp = false;
  for (const registry::RegistryEntry& row : rows) {
    if (!is_linux_row_of(row, InstanceDomain::Netif)) continue;
    std::string reason;
    bind(row, reason);
    if (reason.empty()) {
      table_.set_available(row.id);
    } else {
      table_.set_unavailable(row.id, std::move(reason));
    }
    wants_arp = wants_arp || arp_family_ == row.id;
  }
  if (wants_arp) judge_arp_at_start(join_path(config.proc_root, "net/arp"));
  std::string files_because;
  if (dumper_ != nullptr) {
    const LinkDump first = dumper_->dump();
    files_because = dump_problem(first);
    if (files_because.empty()) {
      // Every attribute the dump carries is read from it; speed and flags stay in sysfs.
      std::erase_if(sysfs_, [&](const Attribute& a) {
        if (a.link == FromLink::kNone) return false;
        from_link_.push_back(a);
        return true;
      });
      judge_links_at_start(first.bytes);
      describe({});
      return;
    }
    dumper_.reset();
  }
  // net/dev is an iterated seq_file: it may come in several reads.
  netdev_ = ProcfsFile(join_path(config.proc_root, "net/dev"));
  judge_files_at_start();
  describe(files_because);
}

// "netdev:N" or "netclass:ATTR"; adds the family to counters_ or sysfs_, or sets `reason`.
void NetifInstances::bind(const registry::RegistryEntry& row, std::string& reason) {
  std::string_view spec = row.source;
  if (row.type != schema::ValueType::U64) {
    reason = bad_source(row.source, "netif values are u64");
  } else if (spec == kArpSource) {
    arp_family_ = row.id;
  } else if (spec == kRxNohandlerSource) {
    sysfs_.push_back({row.id, kRxNohandler.file, kRxNohandler.format, kRxNohandler.link,
                      kRxNohandler.link_name});
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
      sysfs_.push_back({row.id, known->file, known->format, known->link, known->link_name});
    }
  } else {
    reason = bad_source(row.source, "expected netdev:N, netdev:rx_nohandler, netclass:ATTR or " +
                                        std::string(kArpSource));
  }
}

// /proc/net/arp: kept open and re-read when its family is due; no file, no family.
void NetifInstances::judge_arp_at_start(const std::string& path) {
  arp_ = ProcfsFile(path);
  const int err = arp_.is_open() ? arp_.refresh() : arp_.open_error();
  if (err != 0) {
    table_.set_unavailable(*arp_family_, path_error(arp_.path(), err));
    arp_family_.reset();
  }
}

// The first read decides: without /proc/net/dev nothing is available; a counter field no line
// has is unavailable; a sysfs attribute the first interface lacks (or no /sys/class/net) is
// unavailable. With no interface at all only the files themselves can be judged.
void NetifInstances::judge_files_at_start() {
  const int err = netdev_.is_open() ? netdev_.refresh() : netdev_.open_error();
  if (err != 0) {
    const std::string reason = path_error(netdev_.path(), err);
    for (const Counter& c : counters_) table_.set_unavailable(c.family, reason);
    for (const Attribute& a : sysfs_) table_.set_unavailable(a.family, reason);
    if (arp_family_) table_.set_unavailable(*arp_family_, reason);
    counters_.clear();
    sysfs_.clear();
    arp_family_.reset();
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
  judge_sysfs_at_start(first_kept);
}

// As with the files: the counters are unavailable when no link has IFLA_STATS64, an attribute
// the first kept link's message lacks is unavailable, and sysfs is judged by that link's files.
void NetifInstances::judge_links_at_start(std::span<const std::byte> dump) {
  LinkDumpReader reader(dump);
  LinkRecord link;
  LinkRecord first_kept;
  std::size_t links = 0;
  bool any_stats = false;
  while (reader.next(link)) {
    if (link.name.empty()) continue;
    ++links;
    any_stats = any_stats || link.has(LinkAttribute::kStats64);
    if (exclude_.excludes(link.name)) continue;
    if (at_start_++ == 0) first_kept = link;
  }
  if (links > 0 && !any_stats) {
    for (const Counter& c : counters_)
      table_.set_unavailable(c.family, std::string(kDump) + ": no link has IFLA_STATS64");
    counters_.clear();
  }
  if (at_start_ > 0) {
    std::erase_if(from_link_, [&](const Attribute& a) {
      if (carries(first_kept, a.link)) return false;
      std::string reason(kDump);
      reason.append(": ").append(first_kept.name).append(" has no ").append(a.link_name);
      table_.set_unavailable(a.family, std::move(reason));
      return true;
    });
  }
  judge_sysfs_at_start(std::string(first_kept.name));
}

void NetifInstances::judge_sysfs_at_start(const std::string& first_kept) {
  const std::string class_missing = missing_reason(class_dir_);
  std::erase_if(sysfs_, [&](const Attribute& a) {
    std::string reason = class_missing;
    if (reason.empty() && !first_kept.empty()) {
      reason = missing_reason(join_path(join_path(class_dir_, first_kept), a.file));
    }
    if (reason.empty()) return false;
    table_.set_unavailable(a.family, std::move(reason));
    return true;
  });
}

// Each available family's detail: where its values come from, and why the files when rtnetlink
// failed.
void NetifInstances::describe(const std::string& files_because) {
  const std::string because = files_because.empty() ? std::string() : " (" + files_because + ")";
  const std::string sysfs_file = join_path(class_dir_, "<interface>/");
  for (const Counter& c : counters_) {
    table_.set(c.family, {true,
                          {},
                          dumper_ != nullptr ? std::string(kDump) + " IFLA_STATS64"
                                             : netdev_.path() + because});
  }
  for (const Attribute& a : from_link_) {
    std::string detail(kDump);
    detail.append(" ").append(a.link_name);
    table_.set(a.family, {true, {}, std::move(detail)});
  }
  for (const Attribute& a : sysfs_) {
    std::string detail = sysfs_file;
    detail.append(a.file).append(because);
    table_.set(a.family, {true, {}, std::move(detail)});
  }
  if (arp_family_) table_.set(*arp_family_, {true, {}, arp_.path() + ": lines per device"});
}

NetifInstances::Interface NetifInstances::make_interface(std::string_view name) const {
  Interface itf{std::string(name), exclude_.excludes(name), {}, {}, {}};
  if (itf.excluded) return itf;
  const std::string dir = join_path(class_dir_, name);
  itf.attributes.reserve(sysfs_.size());
  for (const Attribute& a : sysfs_) itf.attributes.emplace_back(join_path(dir, a.file), a.format);
  // Over the files the labels come from sysfs too; a dump carries them.
  if (dumper_ == nullptr) {
    for (std::size_t i = 0; i < kLabelFiles.size(); ++i) {
      itf.label_files[i] =
          ProcfsFile(join_path(dir, kLabelFiles[i]), ProcfsFile::ReadMode::kWholeInOneRead);
    }
  }
  return itf;
}

// The interface `name` in this refresh (appearing when new); nullptr when it is excluded or was
// already reported by this refresh.
NetifInstances::Interface* NetifInstances::enter(std::string_view name) {
  Interface* itf = interfaces_.match(name);
  if (itf == nullptr) {
    if (interfaces_.seen(name)) return nullptr;
    itf = &interfaces_.insert(make_interface(name));
  }
  return itf->excluded ? nullptr : itf;
}

void NetifInstances::report_counters(InstanceSink& sink, std::uint32_t row,
                                     std::span<const std::uint64_t> fields) const {
  for (const Counter& c : counters_) {
    sink.value(c.family, row, c.index < fields.size() ? ok(fields[c.index]) : kNoValue);
  }
}

// Presents the interface with its labels (device first, then domain_label_keys' order).
std::uint32_t NetifInstances::present(InstanceSink& sink, std::string_view name,
                                      const Interface& itf) const {
  const std::array<LabelView, 4> labels = {
      LabelView{"device", name}, LabelView{kLabelFiles[0], itf.labels[0]},
      LabelView{kLabelFiles[1], itf.labels[1]}, LabelView{kLabelFiles[2], itf.labels[2]}};
  return sink.present(name, labels);
}

// The label files of an interface over the files; one that cannot be read is an empty label.
void NetifInstances::read_label_files(Interface& itf) {
  for (std::size_t i = 0; i < kLabelFiles.size(); ++i) {
    ProcfsFile& f = itf.label_files[i];
    const bool read = f.is_open() && f.refresh() == 0;
    itf.labels[i].assign(read ? label_text(f.contents()) : std::string_view{});
  }
}

// The entries of /proc/net/arp per device, read once per refresh while the family is due.
void NetifInstances::count_arp(InstanceSink& sink) {
  arp_state_ = ArpState::kNotWanted;
  if (!arp_family_ || !sink.wants(*arp_family_)) return;
  if (arp_.refresh() != 0) {
    arp_state_ = ArpState::kFailed;
    return;
  }
  count_arp_entries(arp_.contents(), arp_counts_);
  arp_state_ = ArpState::kCounted;
}

void NetifInstances::report_arp(InstanceSink& sink, std::uint32_t row,
                                std::string_view name) const {
  if (arp_state_ == ArpState::kNotWanted) return;
  sink.value(*arp_family_, row,
             arp_state_ == ArpState::kCounted ? ok(arp_entries_of(arp_counts_, name))
                                              : Reading{layout::SlotStatus::kReadError, 0});
}

// The sysfs files are read only for families the sink wants now: each is a syscall.
void NetifInstances::report_sysfs(InstanceSink& sink, std::uint32_t row, Interface& itf) const {
  for (std::size_t i = 0; i < sysfs_.size(); ++i) {
    if (sink.wants(sysfs_[i].family)) sink.value(sysfs_[i].family, row, itf.attributes[i].read());
  }
}

void NetifInstances::refresh(InstanceSink& sink) {
  count_arp(sink);
  interfaces_.begin();
  if (dumper_ != nullptr) {
    refresh_links(sink);
  } else {
    refresh_files(sink);
  }
  interfaces_.end();
}

void NetifInstances::refresh_files(InstanceSink& sink) {
  if (netdev_.refresh() != 0) return;
  NetdevLineReader reader(netdev_.contents());
  NetdevLine line;
  while (reader.next(line)) {
    Interface* itf = enter(line.name);
    if (itf == nullptr) continue;
    read_label_files(*itf);
    const std::uint32_t row = present(sink, line.name, *itf);
    if (row == kNoRow) continue;
    report_counters(sink, row, std::span(line.fields).first(line.field_count));
    report_sysfs(sink, row, *itf);
    report_arp(sink, row, line.name);
  }
}

// The whole dump is parsed before anything is reported: a reply that turns out malformed or
// failed halfway reports no interface rather than a part of them.
void NetifInstances::refresh_links(InstanceSink& sink) {
  const LinkDump dump = dumper_->dump();
  if (dump.error != 0) return;
  links_.clear();
  LinkDumpReader reader(dump.bytes);
  LinkRecord link;
  while (reader.next(link)) links_.push_back(link);
  if (reader.status() != DumpStatus::kDone) return;
  for (const LinkRecord& l : links_) {
    if (l.name.empty()) continue;
    Interface* itf = enter(l.name);
    if (itf == nullptr) continue;
    format_hardware_address(l.address, itf->labels[0]);
    format_hardware_address(l.broadcast, itf->labels[1]);
    itf->labels[2].assign(l.alias);
    const std::uint32_t row = present(sink, l.name, *itf);
    if (row == kNoRow) continue;
    report_counters(sink, row,
                    l.has(LinkAttribute::kStats64) ? std::span<const std::uint64_t>(l.netdev)
                                                   : std::span<const std::uint64_t>());
    for (const Attribute& a : from_link_) sink.value(a.family, row, link_reading(a.link, l));
    report_sysfs(sink, row, *itf);
    report_arp(sink, row, l.name);
  }
}

std::unique_ptr<InstanceSource> make_netif_instances(Rows rows, const InstanceConfig& config) {
  return std::make_unique<NetifInstances>(rows, config);
}

}  // namespace sysring::broker::linux_instances
