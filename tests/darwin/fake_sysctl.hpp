// A fake kernel behind the SysctlSeam: named nodes with a format reply and a value reply that
// tests change between ticks. Counts the calls so tests can check "resolved once, read once".
#pragma once

#include <cerrno>
#include <cstring>
#include <map>
#include <string>

#include "reply_fixtures.hpp"
#include "sysctl_seam.hpp"

namespace sysring::darwin_fixtures {

struct FakeNode {
  ByteVec format;  // {0,4} reply
  ByteVec value;   // what a read returns (cut to the caller's buffer: ENOMEM if larger)
  int read_error = 0;
  int format_error = 0;
};

class FakeSysctl final : public broker::darwin::SysctlSeam {
 public:
  std::map<std::string, FakeNode, std::less<>> nodes;
  std::int64_t now_ns = 0;
  int resolves = 0, format_queries = 0, reads = 0;

  void set_int(const std::string& name, std::uint64_t v, std::size_t width, std::string_view fmt,
               std::uint32_t type = kInt) {
    FakeNode& n = nodes[name];
    n.format = format_reply(kRd | type, fmt);
    n.value.clear();
    put(n.value, 0, v, width);
  }
  void set_string(const std::string& name, std::string_view s) {
    FakeNode& n = nodes[name];
    n.format = format_reply(kRw | kString, "A");
    n.value.assign(s.begin(), s.end());
    n.value.push_back(0);  // the kernel's reply includes the NUL
  }
  void set_struct(const std::string& name, std::string_view struct_name, ByteVec bytes) {
    FakeNode& n = nodes[name];
    n.format = format_reply(kRd | kOpaque, "S," + std::string(struct_name));
    n.value = std::move(bytes);
  }

  int name_to_mib(std::string_view name, broker::darwin::Mib& mib) override {
    ++resolves;
    const auto it = nodes.find(name);
    if (it == nodes.end()) return ENOENT;
    mib.length = 2;
    mib.ids[0] = 100;
    mib.ids[1] = static_cast<int>(std::distance(nodes.begin(), it));
    return 0;
  }
  int read_by_mib(const broker::darwin::Mib& mib, std::span<std::uint8_t> out,
                  std::size_t& length) override {
    ++reads;
    const FakeNode& n = at(mib);
    if (n.read_error != 0) return n.read_error;
    return copy(n.value, out, length);
  }
  int query_format(const broker::darwin::Mib& mib, std::span<std::uint8_t> out,
                   std::size_t& length) override {
    ++format_queries;
    const FakeNode& n = at(mib);
    if (n.format_error != 0) return n.format_error;
    return copy(n.format, out, length);
  }
  std::int64_t realtime_ns() override { return now_ns; }

 private:
  const FakeNode& at(const broker::darwin::Mib& mib) const {
    auto it = nodes.begin();
    std::advance(it, mib.ids[1]);
    return it->second;
  }
  // Like the kernel: ENOMEM and nothing copied when the reply does not fit; otherwise the
  // bytes and their count. Bytes past the count are left as they were.
  static int copy(const ByteVec& src, std::span<std::uint8_t> out, std::size_t& length) {
    if (src.size() > out.size()) return ENOMEM;
    if (!src.empty()) std::memcpy(out.data(), src.data(), src.size());
    length = src.size();
    return 0;
  }
};

}  // namespace sysring::darwin_fixtures
