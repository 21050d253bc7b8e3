// Helpers for the Linux instance source tests: the registry rows of a domain, and a private,
// writable copy of one fixture tree (fixtures/<name>/proc and fixtures/<name>/sys) that a test
// rewrites between refreshes.
#pragma once

#include <cstdint>
#include <cstdlib>  // mkdtemp (POSIX)
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "instances/instance_config.hpp"
#include "sysring/domains.hpp"
#include "sysring/registry_data.hpp"

namespace sysring::test {

// The rows of linux.csv in `domain`, as the broker hands them to the domain's factory.
inline std::vector<registry::RegistryEntry> linux_rows(InstanceDomain domain) {
  std::vector<registry::RegistryEntry> out;
  for (const auto& e : registry::kEntries) {
    if (e.domain == domain && e.platform == "linux") out.push_back(e);
  }
  return out;
}

class FixtureTree {
 public:
  // Copies fixtures/<name> into a fresh temporary directory; a missing proc or sys is created
  // empty (git keeps no empty directories).
  explicit FixtureTree(std::string_view name) {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "sysring-instances-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    root_ = pattern;
    std::filesystem::copy(std::filesystem::path(SYSRING_INSTANCE_FIXTURES) / name, root_,
                          std::filesystem::copy_options::recursive);
    std::filesystem::create_directories(root_ / "proc");
    std::filesystem::create_directories(root_ / "sys");
  }
  ~FixtureTree() {
    std::error_code ignored;
    std::filesystem::remove_all(root_, ignored);
  }
  FixtureTree(const FixtureTree&) = delete;
  FixtureTree& operator=(const FixtureTree&) = delete;
  FixtureTree(FixtureTree&&) = delete;
  FixtureTree& operator=(FixtureTree&&) = delete;

  [[nodiscard]] std::string proc() const { return (root_ / "proc").string(); }
  [[nodiscard]] std::string sys() const { return (root_ / "sys").string(); }
  [[nodiscard]] std::filesystem::path path(std::string_view relative) const {
    return root_ / relative;
  }

  // A config reading this tree, with the default exclusions.
  [[nodiscard]] broker::InstanceConfig config() const {
    broker::InstanceConfig c;
    c.proc_root = proc();
    c.sys_root = sys();
    c.udev_data = (root_ / "udev").string();  // never the machine's own database
    return c;
  }

  // Replaces the contents of `relative` ("proc/stat") in place: truncate and write the same
  // inode, so a source that keeps the file open reads the new bytes. Creates it if missing.
  void rewrite(std::string_view relative, std::string_view text) const {
    const std::filesystem::path p = root_ / relative;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.flush()) throw std::runtime_error("cannot write " + p.string());
  }

  // Deletes a file or a whole directory (an interface's sysfs directory going away).
  void remove(std::string_view relative) const { std::filesystem::remove_all(root_ / relative); }

 private:
  std::filesystem::path root_;
};

}  // namespace sysring::test
