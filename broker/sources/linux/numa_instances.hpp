// The numa domain: one instance per <sys>/devices/system/node/node<N> directory, named "node<N>"
// with the label node="<N>".
//
//   source               file of the node   record
//   node_meminfo:<KEY>   meminfo            "Node N <KEY>: V kB" -> bytes; HugePages_* counts
//   numastat:<KEY>       numastat           "<KEY> V"
//
// The node directory is listed again on every refresh (a kept-open directory: nodes are few and
// memory hotplug adds and removes them); each node's two files are opened when it appears and
// read with one pread each per refresh. A key a node's file lacks is unavailable for that node;
// a key node<first> lacked at construction makes its family unavailable.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "instances/instance_config.hpp"
#include "instances/instance_source.hpp"
#include "sources/linux/directory_fd.hpp"
#include "sources/linux/family_table.hpp"
#include "sources/linux/linux_instance_factories.hpp"
#include "sources/procfs_file.hpp"

namespace sysring::broker::linux_instances {

class NumaInstances final : public InstanceSource {
 public:
  NumaInstances(Rows rows, const InstanceConfig& config);

  [[nodiscard]] InstanceDomain domain() const override { return InstanceDomain::Numa; }
  [[nodiscard]] std::span<const std::uint16_t> families() const override { return families_.ids(); }
  [[nodiscard]] const Availability& availability(std::uint16_t family) const override {
    return families_.of(family);
  }
  [[nodiscard]] std::uint32_t instances_at_start() const override { return instances_at_start_; }
  void refresh(InstanceSink& sink) override;

 private:
  enum class NodeFile : std::uint8_t { kMeminfo, kNumastat };
  static constexpr std::size_t kNodeFiles = 2;

  // An available family: which file of the node and which key in it.
  struct Binding {
    std::uint16_t id = 0;
    NodeFile file = NodeFile::kMeminfo;
    std::string key;
    schema::ValueType type = schema::ValueType::U64;
    bool wanted = false;  // due in this refresh (InstanceSink::wants)
  };

  struct Node {
    std::uint32_t number = 0;
    std::string name;   // "node0"
    std::string label;  // "0"
    std::array<ProcfsFile, kNodeFiles> files;
    bool seen = false;
  };

  // Lists the node directory: adds nodes that appeared, drops those gone. False when the
  // directory cannot be read (no node then).
  bool discover();
  Node& add_node(std::uint32_t number);
  // Reads one file of `node` and sets the readings of the families bound to it.
  void read_file(Node& node, NodeFile file);
  void check_keys(Node& node);

  std::string node_dir_path_;
  FamilyTable families_;
  std::vector<Binding> bindings_;
  std::array<bool, kNodeFiles> file_needed_{};
  DirectoryFd node_dir_;
  std::vector<char> scratch_;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::vector<Reading> readings_;  // per binding, for the node being reported
  std::uint32_t instances_at_start_ = 0;
};

}  // namespace sysring::broker::linux_instances
