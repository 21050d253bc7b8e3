// Instances as a client sees them: the directory (who exists, with which labels and row) and
// handles that read one family of one instance and report "gone" once it was removed.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "metric_id_generated.h"
#include "sysring/domains.hpp"
#include "sysring/value.hpp"

namespace sysring {

struct InstanceLabel {
  std::string key;
  std::string value;
};

struct Instance {
  InstanceDomain domain = InstanceDomain::None;
  std::string name;               // "cpu3", "vda", "eth0", "/home", "node0", "system.slice"
  std::uint32_t instance_id = 0;  // stable for the name while the broker lives
  std::uint32_t row = 0;          // its row in the domain's columns
  std::uint64_t registration = 0;
  bool live = false;  // false: removed, its row quarantined
  std::uint64_t added_ns = 0;
  std::uint64_t removed_ns = 0;
  std::vector<InstanceLabel> labels;

  // The value of label `key`, or nullptr.
  [[nodiscard]] const std::string* label(std::string_view key) const noexcept;
};

// One verified generation of the broker's instance directory.
struct InstanceDirectory {
  std::uint64_t generation = 0;
  std::uint64_t unpublished = 0;  // instances the broker saw but had no room for
  std::vector<Instance> instances;

  // The live instance of `domain` named `name`, or nullptr.
  [[nodiscard]] const Instance* find(InstanceDomain domain, std::string_view name) const noexcept;
  // Live instances of one domain (or of all, for None), in row order.
  [[nodiscard]] std::vector<const Instance*> live(InstanceDomain domain) const;
};

// One (family, instance), resolved once. Reading it costs one latch read of four words; after
// the instance is removed (even if its row was reused since) it reads as ReadStatus::kGone.
// Valid for the segment it was made for: after Client::reattach it reads as kGone.
struct InstanceHandle {
  schema::MetricId family = schema::MetricId::None;
  InstanceDomain domain = InstanceDomain::None;
  std::uint32_t row = 0;
  std::uint64_t registration = 0;
  std::uint64_t epoch = 0;   // of the segment
  std::uint32_t column = 0;  // word offset of the family's column
  std::uint32_t cell = 0;    // word offset of the instance's cell
  std::uint32_t registration_word = 0;
  ValueType type = ValueType::Unknown;
};

// One family's value for one instance, from a read of the whole family.
struct InstanceValue {
  const Instance* instance = nullptr;  // into the directory the read used
  ReadStatus status = ReadStatus::kEmpty;
  Scalar value;           // numeric families (a counter's count)
  CounterTotals counter;  // counter families
};

// The result of Client::read_family: the values, and the directory they refer to. Reading the
// same family into the same object again reuses its instance list while the directory's
// generation stays the same: only the values are copied.
struct FamilyValues {
  std::shared_ptr<const InstanceDirectory> directory;
  std::vector<InstanceValue> values;  // one per live instance, in row order
  schema::MetricId family = schema::MetricId::None;

  // The library's: each value's row and the registration word it must find there, packed so
  // that a read walks this array rather than the Instance records.
  struct Row {
    std::uint32_t row = 0;
    std::uint64_t live_registration = 0;
  };
  std::vector<Row> rows;
};

}  // namespace sysring
