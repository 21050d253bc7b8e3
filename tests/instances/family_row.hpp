// Registry rows and a counting sink shared by the instance source tests.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "instances/instance_source.hpp"
#include "sysring/domains.hpp"
#include "sysring/registry_entry.hpp"

namespace sysring::test {

// A POLLED, 1 s family row of `domain` reading `source`, as the registry would give it.
inline registry::RegistryEntry family_row(std::uint16_t id, InstanceDomain domain,
                                          std::string_view source,
                                          schema::ValueType type = schema::ValueType::U64) {
  return {id,
          "test.family",
          domain_name(domain),
          type,
          domain,
          "",
          schema::AccessPattern::Polled,
          schema::AccessPattern::Polled,
          1000,
          "linux",
          source,
          ""};
}

// Counts the instances a refresh presents and drops everything else: a sink that allocates
// nothing, for the steady-state allocation tests.
class CountingSink final : public broker::InstanceSink {
 public:
  std::uint32_t present(std::string_view /*name*/,
                        std::span<const broker::LabelView> /*labels*/) override {
    return presents++;
  }
  [[nodiscard]] std::uint32_t find(std::string_view /*name*/) const override {
    return broker::kNoRow;
  }
  [[nodiscard]] bool wants(std::uint16_t /*family*/) const override { return true; }
  void value(std::uint16_t /*family*/, std::uint32_t /*row*/,
             const broker::Reading& /*r*/) override {}
  std::uint32_t presents = 0;
};

}  // namespace sysring::test
