#include "sources/linux/numa_instances.hpp"

#include <dirent.h>

#include <algorithm>
#include <optional>
#include <string_view>
#include <utility>

#include "sources/linux/numa_parsers.hpp"
#include "sources/linux/path_reasons.hpp"
#include "sources/procfs_parsers.hpp"

namespace sysring::broker::linux_instances {
namespace {

constexpr std::array<std::string_view, 2> kFileNames = {"meminfo", "numastat"};
constexpr std::array<procfs::Format, 2> kFileFormats = {procfs::Format::kMeminfo,
                                                        procfs::Format::kKeyValue};
constexpr std::array<std::string_view, 2> kSourcePrefixes = {"node_meminfo:", "numastat:"};
constexpr std::size_t kScratchBytes = 8192;

Reading status_only(layout::SlotStatus status) {
  Reading r;
  r.status = status;
  return r;
}

}  // namespace

NumaInstances::NumaInstances(Rows rows, const InstanceConfig& config)
    : node_dir_path_(join_path(config.sys_root, "devices/system/node")),
      node_dir_(node_dir_path_),
      scratch_(kScratchBytes) {
  for (const registry::RegistryEntry& row : rows) {
    if (!is_linux_row_of(row, InstanceDomain::Numa)) continue;
    std::optional<std::size_t> file;
    for (std::size_t f = 0; f < kSourcePrefixes.size(); ++f) {
      if (row.source.starts_with(kSourcePrefixes[f]) &&
          row.source.size() > kSourcePrefixes[f].size()) {
        file = f;
      }
    }
    if (!file) {
      families_.set_unavailable(
          row.id, bad_source(row.source, "expected node_meminfo:<key> or numastat:<key>"));
      continue;
    }
    families_.set_available(row.id);
    file_needed_[*file] = true;
    bindings_.push_back({row.id, static_cast<NodeFile>(*file),
                         std::string(row.source.substr(kSourcePrefixes[*file].size())), row.type});
  }
  readings_.resize(bindings_.size());
  if (!node_dir_.is_open()) {
    for (const Binding& b : bindings_) {
      families_.set_unavailable(b.id, path_error(node_dir_path_, node_dir_.open_error()));
    }
    bindings_.clear();
    return;
  }
  discover();
  instances_at_start_ = static_cast<std::uint32_t>(nodes_.size());
  if (!nodes_.empty()) check_keys(*nodes_.front());
}

bool NumaInstances::discover() {
  for (auto& node : nodes_) node->seen = false;
  const int err =
      node_dir_.for_each_entry(scratch_, [&](std::string_view name, unsigned char type) {
        std::uint32_t number = 0;
        if ((type != DT_DIR && type != DT_UNKNOWN) || !parse_node_directory(name, number)) return;
        const auto it = std::find_if(nodes_.begin(), nodes_.end(),
                                     [&](const auto& node) { return node->number == number; });
        (it != nodes_.end() ? **it : add_node(number)).seen = true;
      });
  if (err != 0) {
    nodes_.clear();
    return false;
  }
  std::erase_if(nodes_, [](const auto& node) { return !node->seen; });
  return true;
}

NumaInstances::Node& NumaInstances::add_node(std::uint32_t number) {
  auto node = std::make_unique<Node>();
  node->number = number;
  node->label = std::to_string(number);
  node->name = "node" + node->label;
  for (std::size_t f = 0; f < kNodeFiles; ++f) {
    if (!file_needed_[f]) continue;
    // sysfs attributes are produced in one piece.
    node->files[f] =
        ProcfsFile(join_path(node_dir_path_, node->name + "/" + std::string(kFileNames[f])),
                   ProcfsFile::ReadMode::kWholeInOneRead);
  }
  // Kept in node order, so that refreshes report node0 first.
  const auto at = std::find_if(nodes_.begin(), nodes_.end(),
                               [&](const auto& other) { return other->number > number; });
  return **nodes_.insert(at, std::move(node));
}

void NumaInstances::check_keys(Node& node) {
  for (std::size_t f = 0; f < kNodeFiles; ++f) {
    if (file_needed_[f]) read_file(node, static_cast<NodeFile>(f));
  }
  std::size_t kept = 0;
  for (std::size_t i = 0; i < bindings_.size(); ++i) {
    const Binding& b = bindings_[i];
    if (readings_[i].status == layout::SlotStatus::kOk) {
      bindings_[kept++] = b;
      continue;
    }
    const ProcfsFile& file = node.files[static_cast<std::size_t>(b.file)];
    families_.set_unavailable(b.id, file.is_open() ? file.path() + ": no key " + b.key
                                                   : path_error(file.path(), file.open_error()));
  }
  bindings_.resize(kept);
  readings_.resize(kept);
}

void NumaInstances::read_file(Node& node, NodeFile file) {
  const auto f = static_cast<std::size_t>(file);
  // A key the file lacks stays unavailable; an unreadable file is a read error.
  const int err = node.files[f].refresh();
  const layout::SlotStatus missing =
      err == 0 ? layout::SlotStatus::kUnavailable : layout::SlotStatus::kReadError;
  for (std::size_t i = 0; i < bindings_.size(); ++i) {
    if (bindings_[i].file == file) readings_[i] = status_only(missing);
  }
  if (err != 0) return;
  procfs::RecordReader reader(kFileFormats[f], node.files[f].contents());
  procfs::Record record;
  while (reader.next(record)) {
    const std::string_view key =
        file == NodeFile::kMeminfo ? node_meminfo_key(record.key) : record.key;
    for (std::size_t i = 0; i < bindings_.size(); ++i) {
      if (bindings_[i].file != file || bindings_[i].key != key) continue;
      const procfs::Decoded d =
          procfs::decode(kFileFormats[f], record.fields, procfs::kWholeField, bindings_[i].type);
      readings_[i] = d.status == procfs::DecodeStatus::kOk
                         ? Reading{layout::SlotStatus::kOk, d.bits}
                         : status_only(layout::SlotStatus::kReadError);
    }
  }
}

void NumaInstances::refresh(InstanceSink& sink) {
  if (!node_dir_.is_open() || !discover()) return;
  // Only the files of families due now are read (MemTotal's TTL is longer than the rest).
  std::array<bool, kNodeFiles> file_wanted{};
  for (std::size_t i = 0; i < bindings_.size(); ++i) {
    bindings_[i].wanted = sink.wants(bindings_[i].id);
    if (bindings_[i].wanted) file_wanted[static_cast<std::size_t>(bindings_[i].file)] = true;
  }
  for (const auto& node : nodes_) {
    const std::array<LabelView, 1> labels = {LabelView{"node", node->label}};
    const std::uint32_t row = sink.present(node->name, labels);
    if (row == kNoRow) continue;
    for (std::size_t f = 0; f < kNodeFiles; ++f) {
      if (file_wanted[f]) read_file(*node, static_cast<NodeFile>(f));
    }
    for (std::size_t i = 0; i < bindings_.size(); ++i) {
      if (bindings_[i].wanted) sink.value(bindings_[i].id, row, readings_[i]);
    }
  }
}

std::unique_ptr<InstanceSource> make_numa_instances(Rows rows, const InstanceConfig& config) {
  return std::make_unique<NumaInstances>(rows, config);
}

}  // namespace sysring::broker::linux_instances
