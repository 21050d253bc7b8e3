// Darwin implementation of MetricSources: binds registry rows to sysctl nodes through a
// SysctlSeam (the real kernel on macOS, a fake in tests/darwin).
//
// At construction every distinct sysctl name is resolved to its MIB once, its format is asked
// with {0,4} and checked against what the rows expect (integer, string, which struct, u64
// array), and it is read once; what fails stays unavailable with a one-line reason. A tick
// reads each node it needs once, by MIB, into a zeroed buffer, and decodes only the bytes the
// kernel returned (sysctl_decode.hpp). Computed rows bind their inputs as hidden readings of the
// same nodes. Not thread-safe: one tick loop owns it.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "computed_metrics.hpp"
#include "darwin_source_spec.hpp"
#include "metric_sources.hpp"
#include "sysctl_decode.hpp"
#include "sysctl_seam.hpp"

namespace sysring::broker {

class DarwinSources final : public MetricSources {
 public:
  DarwinSources(std::span<const registry::RegistryEntry> entries,
                std::unique_ptr<darwin::SysctlSeam> seam);

  [[nodiscard]] const Availability& availability(std::uint16_t id) const override;
  void begin_tick() override;
  Reading read(std::uint16_t id) override;

  // sysctl reads so far, construction included (at most one per node and tick).
  [[nodiscard]] std::uint64_t read_count() const { return read_count_; }

 private:
  static constexpr std::uint32_t kNone = UINT32_MAX;

  struct Node {  // one sysctl name, shared by every row that reads it
    std::string name;
    darwin::Mib mib;
    std::uint32_t kind = 0;
    std::string format;  // from {0,4}: "I", "Q", "A", "S,timeval", ...
    darwin::Shape shape = darwin::Shape::kOther;
    std::string problem;  // set when the node cannot be read at all
    std::vector<std::uint8_t> buffer;
    std::size_t length = 0;  // bytes the last read returned
    int error = 0;           // errno of the last read
    std::uint64_t refreshed_tick = UINT64_MAX;
  };
  struct Binding {  // a row, or a computed row's hidden input
    std::uint32_t node = 0;
    darwin::DarwinSource::Kind kind = darwin::DarwinSource::Kind::kScalar;
    const darwin::StructField* field = nullptr;
    std::size_t index = 0;
    schema::ValueType type = schema::ValueType::Unknown;
  };
  enum class ComputedKind : std::uint8_t {
    kMemoryUsed,
    kCompressionRatio,
    kSwapUsed,
    kCompressorPressure,
    kTotalConnections,
    kUptime,
    kVnodeFree,
  };
  struct Computed {
    ComputedKind kind = ComputedKind::kMemoryUsed;
    schema::ValueType type = schema::ValueType::F64;
    std::vector<std::string> input_sources;  // for reasons
    std::vector<std::uint32_t> inputs;       // indices into bindings_
    std::uint64_t tick = UINT64_MAX;
    Reading reading;
  };
  struct Slot {
    Availability availability;
    std::uint32_t binding = kNone;
    std::uint32_t computed = kNone;
  };

  std::uint32_t bind(const darwin::DarwinSource& src, schema::ValueType type, std::string& reason);
  std::uint32_t bind_computed(const registry::RegistryEntry& entry, std::string_view formula,
                              std::string& reason);
  std::uint32_t node_for(std::string_view name);
  void refresh(Node& node);
  [[nodiscard]] darwin::Decoded decode(const Binding& b) const;
  Reading read_binding(std::uint32_t b);
  Reading evaluate(Computed& c);
  [[nodiscard]] std::string why_unreadable(const Binding& b) const;

  std::unique_ptr<darwin::SysctlSeam> seam_;
  std::vector<Node> nodes_;
  std::vector<Binding> bindings_;
  std::vector<Computed> computed_;
  std::vector<Slot> slots_;
  std::vector<std::uint32_t> slot_of_id_;
  std::uint64_t tick_ = 0;
  std::uint64_t read_count_ = 0;
};

// The darwin registry rows served through `seam` (make_system_sysctl_seam() on macOS).
std::unique_ptr<MetricSources> make_darwin_sources(std::span<const registry::RegistryEntry> entries,
                                                   std::unique_ptr<darwin::SysctlSeam> seam);

}  // namespace sysring::broker
