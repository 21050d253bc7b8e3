// A private proc/sys/cgroup tree for sysringd --proc-root/--sys-root, with an instance or two in
// every domain, and the files a test changes while the broker runs kept at a fixed size and
// rewritten in place.
//
//   <root>/proc     stat (cpu0, cpu1), diskstats (vda), net/dev (lo, eth0), 1/mountinfo
//   <root>/sys      devices/system/cpu (possible 0-3, topology), class/net/{lo,eth0},
//                   devices/system/node/node0
//   <root>/cgroup   system.slice, user.slice (the config's [instances.cgroup] root, depth 1)
//   <root>/mnt      data: a real directory, the one mount point of the mount table
//   <root>/udev     the udev database (disk labels)
//   <root>/sysringd.conf
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace sysring::itest {

// A kernel file the test changes under the running broker. The broker keeps it open and re-reads
// it from offset 0, so it must stay the same inode; a truncating rewrite would let a read catch it
// empty (every instance gone for a tick). Instead the file has a fixed length and is rewritten by
// one pwrite, the unused tail blank: every parser skips blank lines, and lines before the one that
// changes keep their bytes, so a read racing a rewrite never loses the instances it had.
class LiveFile {
 public:
  static constexpr std::size_t kBytes = 2048;

  LiveFile(const std::filesystem::path& path, const std::vector<std::string>& lines) {
    std::filesystem::create_directories(path.parent_path());
    fd_ = ::open(path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
    if (fd_ < 0) throw std::runtime_error("open " + path.string() + ": " + std::strerror(errno));
    set(lines);
  }
  LiveFile(const LiveFile&) = delete;
  LiveFile& operator=(const LiveFile&) = delete;
  ~LiveFile() { ::close(fd_); }

  void set(const std::vector<std::string>& lines) {
    std::string text;
    for (const std::string& line : lines) text += line + "\n";
    if (text.size() >= kBytes) throw std::runtime_error("LiveFile: text too long");
    text.resize(kBytes - 1, ' ');
    text += '\n';
    if (::pwrite(fd_, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size())) {
      throw std::runtime_error(std::string("LiveFile: pwrite: ") + std::strerror(errno));
    }
  }

 private:
  int fd_ = -1;
};

class InstanceFixtureTree {
 public:
  // The lines of the files that change; the tests append to and remove from copies of these.
  static std::vector<std::string> stat_lines() {
    return {"cpu  3000 0 2000 100000 100 0 10 0 0 0", "cpu0 1500 0 1000 50000 50 0 5 0 0 0",
            "cpu1 1500 0 1000 50000 50 0 5 0 0 0"};
  }
  static std::vector<std::string> stat_tail() {
    return {"intr 1000 0",   "ctxt 5000",       "btime 1700000000",
            "processes 300", "procs_running 1", "procs_blocked 0"};
  }
  static std::vector<std::string> diskstats_lines() {
    return {" 252       0 vda 100 0 2000 10 50 0 800 5 0 20 30 0 0 0 0 0 0"};
  }
  static std::vector<std::string> netdev_lines() {
    return {"Inter-|   Receive                                                |  Transmit",
            " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets "
            "errs drop fifo colls carrier compressed",
            "    lo:    3267      29    0    0    0     0          0         0     3267      29    "
            "0    0    0     0       0          0",
            "  eth0: 18727492     606    1    2    3     4          5         6    34577     442  "
            "  7    8    9    10      11         12"};
  }
  [[nodiscard]] std::vector<std::string> mountinfo_lines() const {
    return {
        "22 1 254:1 / " + path("mnt/data").string() + " rw,relatime shared:1 - ext4 /dev/vdz1 rw",
        "23 22 0:21 / " + path("proc").string() + " rw,nosuid - proc proc rw"};
  }

  InstanceFixtureTree()
      : root_(make_root()),
        stat_(path("proc/stat"), joined(stat_lines(), stat_tail())),
        diskstats_(path("proc/diskstats"), diskstats_lines()),
        netdev_(path("proc/net/dev"), netdev_lines()),
        mountinfo_(path("proc/1/mountinfo"), mountinfo_lines()) {
    write("sys/devices/system/cpu/possible", "0-3\n");
    write("sys/devices/system/cpu/online", "0-1\n");
    for (const char* cpu : {"cpu0", "cpu1"}) add_cpu_topology(cpu);
    add_interface("lo", {"unknown", "1", "-1", "65536", "0", "1000", "1", "0x9"});
    add_interface("eth0", {"up", "1", "10000", "1500", "2", "1000", "2", "0x1003"});
    write("sys/devices/system/node/possible", "0\n");
    write("sys/devices/system/node/online", "0\n");
    write("sys/devices/system/node/node0/meminfo",
          "Node 0 MemTotal:        5990136 kB\nNode 0 MemFree:         3266172 kB\n"
          "Node 0 MemUsed:         2723964 kB\n");
    write("sys/devices/system/node/node0/numastat",
          "numa_hit 16493095\nnuma_miss 0\nnuma_foreign 0\ninterleave_hit 1116\n"
          "local_node 16493095\nother_node 0\n");
    write("cgroup/cgroup.controllers", "cpu io memory pids\n");
    for (const char* psi : {"cpu.pressure", "io.pressure", "memory.pressure"}) {
      write(std::string("cgroup/") + psi,
            "some avg10=0.00 avg60=0.12 avg300=0.05 total=1\n"
            "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n");
    }
    write_cgroup(path("cgroup/system.slice"), 1000);
    write_cgroup(path("cgroup/user.slice"), 2000);
    std::filesystem::create_directories(path("mnt/data"));
    // The udev database of the tree, never the machine's: vda has a record, others none.
    write("udev/b252:0", "E:ID_SERIAL_SHORT=FIXTURE01\nE:ID_MODEL=Fixture_Disk\n");
    write("sysringd.conf",
          "[instances.cgroup]\nroot = " + path("cgroup").string() +
              "\ndepth = 1\n[instances.disk]\nudev_data = " + path("udev").string() + "\n");
  }
  ~InstanceFixtureTree() {
    std::error_code ignored;
    std::filesystem::remove_all(root_, ignored);
  }
  InstanceFixtureTree(const InstanceFixtureTree&) = delete;
  InstanceFixtureTree& operator=(const InstanceFixtureTree&) = delete;

  [[nodiscard]] std::filesystem::path path(const std::string& relative) const {
    return root_ / relative;
  }
  // The files the broker keeps open and the tests change.
  [[nodiscard]] LiveFile& stat() { return stat_; }
  [[nodiscard]] LiveFile& diskstats() { return diskstats_; }
  [[nodiscard]] LiveFile& netdev() { return netdev_; }
  [[nodiscard]] LiveFile& mountinfo() { return mountinfo_; }
  // sysringd's flags for this tree (beside --segment, --tick-ms and --foreground).
  [[nodiscard]] std::vector<std::string> broker_flags() const {
    return {"--proc-root", path("proc").string(),          "--sys-root",   path("sys").string(),
            "--config",    path("sysringd.conf").string(), "--no-counters"};
  }

  // A whole file written once (not one the broker keeps open while it changes).
  void write(const std::string& relative, const std::string& text) const {
    const std::filesystem::path p = path(relative);
    std::filesystem::create_directories(p.parent_path());
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.flush()) throw std::runtime_error("cannot write " + p.string());
  }

  void add_cpu_topology(const std::string& cpu) const {
    write("sys/devices/system/cpu/" + cpu + "/topology/core_id", cpu.substr(3) + "\n");
    write("sys/devices/system/cpu/" + cpu + "/topology/physical_package_id", "0\n");
  }

  // operstate, carrier, speed, mtu, carrier_changes, tx_queue_len, ifindex, flags.
  void add_interface(const std::string& name, const std::vector<std::string>& values) const {
    static const char* const kFiles[] = {"operstate",       "carrier",      "speed",   "mtu",
                                         "carrier_changes", "tx_queue_len", "ifindex", "flags"};
    for (std::size_t i = 0; i < values.size() && i < std::size(kFiles); ++i) {
      write("sys/class/net/" + name + "/" + kFiles[i], values[i] + "\n");
    }
  }

  // The files of one group, its cpu.stat saying `usage_usec`.
  void write_cgroup(const std::filesystem::path& dir, std::uint64_t usage_usec) const {
    std::filesystem::create_directories(dir);
    const auto put = [&](const char* file, const std::string& text) {
      std::ofstream out(dir / file, std::ios::binary | std::ios::trunc);
      out << text;
    };
    put("cgroup.controllers", "cpu io memory pids\n");
    put("cpu.stat", "usage_usec " + std::to_string(usage_usec) + "\nuser_usec " +
                        std::to_string(usage_usec / 2) + "\nsystem_usec " +
                        std::to_string(usage_usec - usage_usec / 2) + "\n");
    put("memory.current", "4096\n");
    put("io.stat", "8:0 rbytes=1000 wbytes=2000 rios=10 wios=20 dbytes=0 dios=0\n");
    for (const char* psi : {"cpu.pressure", "io.pressure", "memory.pressure"}) {
      put(psi,
          "some avg10=0.00 avg60=0.12 avg300=0.05 total=10\n"
          "full avg10=0.00 avg60=0.00 avg300=0.00 total=5\n");
    }
  }

  static std::vector<std::string> joined(std::vector<std::string> a,
                                         const std::vector<std::string>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  }

 private:
  static std::filesystem::path make_root() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "sysring-fixture-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    return pattern;
  }

  std::filesystem::path root_;  // first: the files below are made inside it
  LiveFile stat_;
  LiveFile diskstats_;
  LiveFile netdev_;
  LiveFile mountinfo_;
};

}  // namespace sysring::itest
