#include "counters/perf/cpu_list.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <fstream>
#include <iterator>

#include "sysring/errno_text.hpp"

namespace sysring::broker::counters::perf {
namespace {

std::optional<std::uint32_t> parse_cpu(std::string_view text) {
  std::uint32_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) return std::nullopt;
  if (v > kMaxCpuNumber) return std::nullopt;
  return v;
}

}  // namespace

std::optional<std::vector<std::uint32_t>> parse_cpu_list(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
  std::vector<std::uint32_t> cpus;
  while (!text.empty()) {
    const std::size_t comma = text.find(',');
    const std::string_view item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    if (comma != std::string_view::npos && text.empty()) return std::nullopt;  // "0,"

    const std::size_t dash = item.find('-');
    const auto first = parse_cpu(item.substr(0, dash));
    const auto last = dash == std::string_view::npos ? first : parse_cpu(item.substr(dash + 1));
    if (!first || !last || *last < *first) return std::nullopt;
    for (std::uint32_t cpu = *first; cpu <= *last; ++cpu) cpus.push_back(cpu);
  }
  std::sort(cpus.begin(), cpus.end());
  cpus.erase(std::unique(cpus.begin(), cpus.end()), cpus.end());
  return cpus;
}

std::optional<std::vector<std::uint32_t>> read_cpu_list(const std::string& sys_root,
                                                        std::string_view name, std::string& error) {
  const std::string path = sys_root + "/devices/system/cpu/" + std::string(name);
  std::ifstream in(path);
  if (!in) {
    error = "cannot read " + path + ": " + errno_text(errno);
    return std::nullopt;
  }
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  auto cpus = parse_cpu_list(text);
  if (!cpus) error = path + ": not a CPU list: \"" + text.substr(0, 64) + "\"";
  return cpus;
}

}  // namespace sysring::broker::counters::perf
