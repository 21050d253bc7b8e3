// A throw-away sys/proc tree for the perf tests: CPU lists and perf_event_paranoid that a test
// writes (and rewrites, to plug CPUs in and out) without touching the machine's.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace sysring::test {

class FixtureRoot {
 public:
  FixtureRoot() {
    std::string pattern = (std::filesystem::temp_directory_path() / "sysring-perf-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) std::abort();
    root_ = pattern;
  }
  ~FixtureRoot() {
    std::error_code ignored;
    std::filesystem::remove_all(root_, ignored);
  }
  FixtureRoot(const FixtureRoot&) = delete;
  FixtureRoot& operator=(const FixtureRoot&) = delete;

  [[nodiscard]] std::string sys() const { return (root_ / "sys").string(); }
  [[nodiscard]] std::string proc() const { return (root_ / "proc").string(); }

  void write(const std::string& relative, const std::string& text) const {
    const std::filesystem::path path = root_ / relative;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path) << text;
  }
  void set_cpus(const std::string& possible, const std::string& online) const {
    write("sys/devices/system/cpu/possible", possible + "\n");
    write("sys/devices/system/cpu/online", online + "\n");
  }

 private:
  std::filesystem::path root_;
};

}  // namespace sysring::test
