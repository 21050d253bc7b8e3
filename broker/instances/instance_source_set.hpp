// The broker's instance sources, with the answer to "which source has family F" in one place.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "instances/instance_source.hpp"

namespace sysring::broker {

class InstanceSourceSet {
 public:
  // A later source for the same family replaces the earlier one's claim to it.
  void add(std::unique_ptr<InstanceSource> source) {
    for (const std::uint16_t family : source->families()) {
      if (family >= owner_.size()) owner_.resize(std::size_t{family} + 1, kNone);
      owner_[family] = static_cast<std::uint32_t>(sources_.size());
    }
    sources_.push_back(std::move(source));
  }

  // Owners first: a domain's instances exist before other sources attach values to them.
  [[nodiscard]] std::vector<InstanceSource*> in_refresh_order() const {
    std::vector<InstanceSource*> out;
    for (const auto& s : sources_)
      if (s->owns_domain()) out.push_back(s.get());
    for (const auto& s : sources_)
      if (!s->owns_domain()) out.push_back(s.get());
    return out;
  }

  // nullptr when no source answers for the family.
  [[nodiscard]] InstanceSource* source_of(std::uint16_t family) const {
    return family < owner_.size() && owner_[family] != kNone ? sources_[owner_[family]].get()
                                                             : nullptr;
  }

  // Instances the domain's owner saw at start (0 without an owner).
  [[nodiscard]] std::uint32_t instances_at_start(InstanceDomain domain) const {
    for (const auto& s : sources_) {
      if (s->owns_domain() && s->domain() == domain) return s->instances_at_start();
    }
    return 0;
  }

 private:
  static constexpr std::uint32_t kNone = UINT32_MAX;
  std::vector<std::unique_ptr<InstanceSource>> sources_;
  std::vector<std::uint32_t> owner_;  // family -> index into sources_
};

}  // namespace sysring::broker
