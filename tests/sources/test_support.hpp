// Helpers shared by the sources tests: registry rows and a private, writable copy of the
// fixture proc tree.
#pragma once

#include <cstdint>
#include <cstdlib>  // mkdtemp (POSIX)
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>

#include "sysring/registry_entry.hpp"

namespace sysring::test {

inline std::filesystem::path fixture_proc() {
  return std::filesystem::path(SYSRING_SOURCES_FIXTURES) / "proc";
}

// A read-only fixture sysfs tree: "sysfs:" sources are never rewritten by the tests.
inline std::filesystem::path fixture_sys() {
  return std::filesystem::path(SYSRING_SOURCES_FIXTURES) / "sys";
}

inline registry::RegistryEntry entry(std::uint16_t id, schema::ValueType type,
                                     std::string_view source, std::string_view platform = "linux") {
  return {id,
          "test.metric",
          "test",
          type,
          schema::InstanceDomain::None,
          "",
          schema::AccessPattern::Polled,
          schema::AccessPattern::Polled,
          1000,
          platform,
          source,
          ""};
}

// Copies fixtures/proc into a fresh temporary directory, removed again on destruction.
class ProcTree {
 public:
  ProcTree() {
    std::string pattern = (std::filesystem::temp_directory_path() / "sysring-proc-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    root_ = pattern;
    std::filesystem::copy(fixture_proc(), root_, std::filesystem::copy_options::recursive);
  }
  ~ProcTree() {
    std::error_code ignored;
    std::filesystem::remove_all(root_, ignored);
  }
  ProcTree(const ProcTree&) = delete;
  ProcTree& operator=(const ProcTree&) = delete;
  ProcTree(ProcTree&&) = delete;
  ProcTree& operator=(ProcTree&&) = delete;

  [[nodiscard]] std::string root() const { return root_.string(); }

  // Rewrites a file in place (same inode), as the kernel changes a procfs file under an open fd.
  void write(const std::string& relative, std::string_view content) const {
    std::ofstream out(root_ / relative, std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    if (!out) throw std::runtime_error("cannot write " + relative);
  }

  [[nodiscard]] std::string read(const std::string& relative) const {
    std::ifstream in(root_ / relative, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }

  void remove(const std::string& relative) const { std::filesystem::remove(root_ / relative); }

 private:
  std::filesystem::path root_;
};

}  // namespace sysring::test
