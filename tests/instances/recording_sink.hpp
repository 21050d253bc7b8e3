// An InstanceSink that records what a source reports, for tests of instance sources without the
// tick loop: instances present in the last refresh (with labels) and every value by family.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "instances/instance_source.hpp"

namespace sysring::test {

class RecordingSink final : public broker::InstanceSink {
 public:
  struct Seen {
    std::uint32_t row = 0;
    std::map<std::string, std::string> labels;
  };

  // Forget the previous refresh's instances and values (rows stay assigned per name).
  void begin() {
    present_.clear();
    values_.clear();
  }

  std::uint32_t present(std::string_view name, std::span<const broker::LabelView> labels) override {
    if (refuse_all) return broker::kNoRow;
    auto [it, inserted] = rows_.try_emplace(std::string(name), next_row_);
    if (inserted) ++next_row_;
    Seen& s = present_[std::string(name)];
    s.row = it->second;
    for (const auto& l : labels) s.labels[std::string(l.key)] = std::string(l.value);
    return it->second;
  }
  [[nodiscard]] std::uint32_t find(std::string_view name) const override {
    const auto it = present_.find(std::string(name));
    return it == present_.end() ? broker::kNoRow : it->second.row;
  }
  void value(std::uint16_t family, std::uint32_t row, const broker::Reading& r) override {
    values_[{family, row}] = r;
  }
  [[nodiscard]] bool wants(std::uint16_t family) const override {
    return unwanted.count(family) == 0;
  }

  // What the last refresh reported.
  [[nodiscard]] const std::map<std::string, Seen>& present() const { return present_; }
  [[nodiscard]] bool has(const std::string& name) const { return present_.count(name) != 0; }
  // The reading of `family` for instance `name`; nullptr if none was reported.
  [[nodiscard]] const broker::Reading* reading(std::uint16_t family,
                                               const std::string& name) const {
    const auto p = present_.find(name);
    const std::uint32_t row = p != present_.end() ? p->second.row : find_row(name);
    const auto it = values_.find({family, row});
    return it == values_.end() ? nullptr : &it->second;
  }

  bool refuse_all = false;           // present() returns kNoRow, as with a full pool
  std::set<std::uint16_t> unwanted;  // families wants() says no to (not due this refresh)

 private:
  [[nodiscard]] std::uint32_t find_row(const std::string& name) const {
    const auto it = rows_.find(name);
    return it == rows_.end() ? broker::kNoRow : it->second;
  }
  std::map<std::string, std::uint32_t> rows_;
  std::map<std::string, Seen> present_;
  std::map<std::pair<std::uint16_t, std::uint32_t>, broker::Reading> values_;
  std::uint32_t next_row_ = 0;
};

}  // namespace sysring::test
