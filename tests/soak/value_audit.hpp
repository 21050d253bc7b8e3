// The soak's verdict on every value a client read: from the instance it asked for (the encoding
// of soak_encoding.hpp), and consistent with what the same cell showed before.
//
//   wrong_instance  a value that encodes another CPU, mount or interface, or another field
//   torn            one broker publish that disagrees with itself: the same publish time with
//                   two values in one cell, a publish time going back, the fields of one CPU row
//                   of one publish carrying different fixture counters
//   backwards       a counter smaller than before, same broker and same registration
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>

#include "sysring/client.hpp"

namespace sysring::soak {

struct Tally {
  std::uint64_t reads = 0;  // values checked (status kOk)
  std::uint64_t torn = 0;
  std::uint64_t wrong_instance = 0;
  std::uint64_t backwards = 0;
  std::map<std::string, std::uint64_t> statuses;  // every read's status, by name
  std::map<std::string, std::uint64_t> errors;    // exceptions and odd outcomes, by kind
  std::string first_problem;                      // the first torn/wrong/backwards, in words

  void problem(std::uint64_t& counter, const std::string& what);
  void error(const std::string& kind) { ++errors[kind]; }
};

class ValueAudit {
 public:
  explicit ValueAudit(Tally& tally) : tally_(tally) {}

  // Forgets the cells of an older broker: its values owe nothing to the new one's.
  void new_epoch(std::uint64_t epoch);

  // A cpu.time.* value of the instance named `cpu_name` ("cpu2"), field `field` (0 user ..),
  // published at `publish_ns` (its column's time; 0 when unknown: a follower's delta, whose
  // batch time is not the cell's).
  void cpu_time(std::string_view cpu_name, std::uint32_t field, std::uint64_t registration,
                std::uint64_t publish_ns, std::uint64_t value);
  // fs.size_bytes / fs.files of the mount at `mountpoint` (only soak mounts are checked).
  void fs_value(std::string_view mountpoint, bool is_size, std::uint64_t value);
  // netif.mtu of interface `name` (only soak veths are checked).
  void netif_mtu(std::string_view name, std::uint64_t value);
  // The fixture counters of one CPU row of one publish: all equal.
  void same_publish(std::string_view cpu_name, std::uint64_t first_counter,
                    std::uint64_t other_counter);

 private:
  struct Key {
    std::uint32_t cpu;
    std::uint32_t field;
    std::uint64_t registration;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    std::size_t operator()(const Key& k) const noexcept {
      return std::hash<std::uint64_t>{}(k.registration * 1315423911ULL + k.cpu * 16 + k.field);
    }
  };
  struct Last {
    std::uint64_t publish_ns = 0;
    std::uint64_t value = 0;
    bool seen = false;
  };

  Tally& tally_;
  std::uint64_t epoch_ = 0;
  std::unordered_map<Key, Last, KeyHash> last_;
};

}  // namespace sysring::soak
