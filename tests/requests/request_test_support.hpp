// Shared by the request tests: CounterRequest bytes built with the generated code, a scripted
// perf_event_open, and fixture /proc trees.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include <flatbuffers/flatbuffers.h>

#include "counter_request_generated.h"
#include "counters/perf/perf_syscalls.hpp"

namespace sysring::test {

struct RequestFields {
  int version = 1;
  int pid = 0;
  std::vector<std::string> events{"task-clock"};
  bool inherit = false;
  bool kernel = false;
  bool enable_on_exec = false;
  const char* identifier = "SRQ1";
};

inline std::vector<std::uint8_t> request_bytes(const RequestFields& f) {
  flatbuffers::FlatBufferBuilder fbb;
  std::vector<flatbuffers::Offset<flatbuffers::String>> names;
  for (const auto& e : f.events) names.push_back(fbb.CreateString(e));
  const auto list = f.events.empty() ? 0 : fbb.CreateVector(names);
  const auto root = wire::CreateCounterRequest(fbb, static_cast<std::uint16_t>(f.version), f.pid,
                                               list, f.inherit, f.kernel, f.enable_on_exec);
  fbb.Finish(root, f.identifier);
  return {fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize()};
}

// perf_event_open that hands out fds 100, 101, ... and fails the Nth open (0-based) if asked.
class ScriptedPerf final : public broker::counters::perf::PerfSyscalls {
 public:
  int fail_open_at = -1;
  int fail_errno = 0;
  std::vector<perf_event_attr> attrs;
  std::vector<pid_t> pids;
  std::vector<int> cpus;
  std::set<int> live;
  std::size_t closes = 0;
  std::function<void()> on_open;  // runs inside every open: a target that execs meanwhile

  int open(const perf_event_attr& attr, pid_t pid, int cpu, int, unsigned long) override {
    if (on_open) on_open();
    if (static_cast<int>(attrs.size()) == fail_open_at) {
      attrs.push_back(attr);
      return -fail_errno;
    }
    attrs.push_back(attr);
    pids.push_back(pid);
    cpus.push_back(cpu);
    const int fd = next_++;
    live.insert(fd);
    return fd;
  }
  ssize_t read(int, void*, std::size_t) override { return -EINVAL; }
  int ioctl(int, unsigned long, unsigned long) override { return 0; }
  void close(int fd) override {
    ++closes;
    live.erase(fd);
  }

 private:
  int next_ = 100;
};

// A /proc tree with one process: PID/stat, PID/status (Uid:/Gid: lines).
class FixtureProc {
 public:
  FixtureProc() {
    root_ = std::filesystem::temp_directory_path() /
            ("requests-proc-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
    std::filesystem::create_directories(root_);
  }
  ~FixtureProc() { std::filesystem::remove_all(root_); }
  [[nodiscard]] std::string root() const { return root_.string(); }

  void add(int pid, std::array<unsigned, 4> uids, std::array<unsigned, 4> gids,
           std::uint64_t start = 12345, char state = 'S') {
    const auto dir = root_ / std::to_string(pid);
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "stat") << pid << " (prog) " << state
                                << " 1 1 1 0 -1 4194560 100 0 0 0 5 3 0 0 20 0 1 0 " << start
                                << " 1000000 200 18446744073709551615\n";
    std::ofstream(dir / "status") << "Name:\tprog\nUmask:\t0022\nState:\t" << state
                                  << " (sleeping)\nTgid:\t" << pid << "\nPid:\t" << pid
                                  << "\nUid:\t" << uids[0] << '\t' << uids[1] << '\t' << uids[2]
                                  << '\t' << uids[3] << "\nGid:\t" << gids[0] << '\t' << gids[1]
                                  << '\t' << gids[2] << '\t' << gids[3] << "\nGroups:\t\n";
  }
  // The directory's owner (what fstat says): root for a non-dumpable process. Needs root.
  bool chown_entry(int pid, uid_t uid) {
    return ::chown((root_ / std::to_string(pid)).c_str(), uid, static_cast<gid_t>(-1)) == 0;
  }
  void remove(int pid) { std::filesystem::remove_all(root_ / std::to_string(pid)); }

 private:
  static int& counter() {
    static int n = 0;
    return n;
  }
  std::filesystem::path root_;
};

}  // namespace sysring::test
