// What the chaos soak's instances publish, so that a reader can tell a value's instance from the
// value alone (tests/soak/soak.py writes and mounts them; docs/SOAK.md).
//
//   cpu N, field F of its /proc/stat line (cpu.time.user = 0 .. guest_nice = 9):
//       (1000 + 10 N + F) * 10^8 + K, K the fixture's update counter (the same K on every line
//       of one write, growing by one a write)
//   tmpfs mounted at .../soak-mJ:   fs.size_bytes = (J + 1) MiB * 4, fs.files = 1000 + J
//   veth pair svJa / svJb:          netif.mtu = 1280 + 10 J (+ 1 for the b side)
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>

namespace sysring::soak {

inline constexpr std::uint64_t kCpuCounterSpan = 100'000'000;  // 10^8: room for K

struct CpuCode {
  std::uint32_t cpu = 0;
  std::uint32_t field = 0;
  std::uint64_t counter = 0;  // K
};

inline std::optional<CpuCode> decode_cpu(std::uint64_t value) {
  const std::uint64_t tag = value / kCpuCounterSpan;
  if (tag < 1000 || tag > 9999) return std::nullopt;
  return CpuCode{static_cast<std::uint32_t>((tag - 1000) / 10),
                 static_cast<std::uint32_t>(tag % 10), value % kCpuCounterSpan};
}

// The decimal number after `prefix` at the start of `text` that ends it or is followed by
// `suffix`; nullopt otherwise.
inline std::optional<std::uint32_t> number_after(std::string_view text, std::string_view prefix,
                                                 std::string_view suffix = {}) {
  if (!text.starts_with(prefix)) return std::nullopt;
  text.remove_prefix(prefix.size());
  if (!suffix.empty()) {
    if (!text.ends_with(suffix)) return std::nullopt;
    text.remove_suffix(suffix.size());
  }
  std::uint32_t n = 0;
  const auto [end, err] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (err != std::errc{} || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return n;
}

// "cpu3" -> 3.
inline std::optional<std::uint32_t> cpu_number(std::string_view name) {
  return number_after(name, "cpu");
}

// The J of a soak mount point ".../soak-mJ".
inline std::optional<std::uint32_t> mount_number(std::string_view mountpoint) {
  const auto slash = mountpoint.rfind('/');
  return number_after(slash == std::string_view::npos ? mountpoint : mountpoint.substr(slash + 1),
                      "soak-m");
}
inline std::uint64_t mount_size_bytes(std::uint32_t j) {
  return (j + 1ULL) * 4 * 1024 * 1024;
}
inline std::uint64_t mount_files(std::uint32_t j) {
  return 1000ULL + j;
}

// The MTU a soak veth end must have: svJa or svJb; nullopt for any other interface.
inline std::optional<std::uint64_t> veth_mtu(std::string_view name) {
  for (const auto& [suffix, side] : {std::pair{"a", 0}, std::pair{"b", 1}}) {
    if (const auto j = number_after(name, "sv", suffix)) return 1280ULL + 10ULL * *j + side;
  }
  return std::nullopt;
}

}  // namespace sysring::soak
