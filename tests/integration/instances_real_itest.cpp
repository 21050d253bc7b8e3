// The real sysringd on this machine, its instances cross-checked against the kernel: one cpu
// instance per online CPU, disk and interface counters between two reads of /proc/diskstats and
// /proc/net/dev taken around the broker's read, the root filesystem against statvfs("/"). And,
// as root, a veth pair made and deleted while the broker runs appears in the netif domain and
// goes again, each within 3 s.
#include <gtest/gtest.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "instances/instance_config.hpp"
#include "process_util.hpp"
#include "sysring/client.hpp"

namespace sysring {
namespace {

using namespace itest;

using Counters = std::map<std::string, std::vector<std::uint64_t>>;

std::string slurp(const char* path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// "0-3,6,8-9" -> {"cpu0", ..., "cpu9"}
std::set<std::string> online_cpus() {
  std::set<std::string> out;
  std::stringstream list(slurp("/sys/devices/system/cpu/online"));
  std::string range;
  while (std::getline(list, range, ',')) {
    const std::size_t dash = range.find('-');
    const unsigned long first = std::stoul(range.substr(0, dash));
    const unsigned long last =
        dash == std::string::npos ? first : std::stoul(range.substr(dash + 1));
    for (unsigned long c = first; c <= last; ++c) out.insert("cpu" + std::to_string(c));
  }
  return out;
}

// The numbers after the name on each line, by name. `name_at`: the token index of the name
// (/proc/diskstats: 2, after major and minor); /proc/net/dev names end in ':'.
Counters numbers_by_name(const char* path, std::size_t name_at) {
  Counters out;
  std::stringstream text(slurp(path));
  std::string line;
  while (std::getline(text, line)) {
    std::replace(line.begin(), line.end(), ':', ' ');
    std::stringstream tokens(line);
    std::vector<std::string> t;
    for (std::string s; tokens >> s;) t.push_back(s);
    if (t.size() <= name_at + 1) continue;
    std::vector<std::uint64_t> values;
    for (std::size_t i = name_at + 1; i < t.size(); ++i) {
      if (t[i].find_first_not_of("0123456789") != std::string::npos) break;
      values.push_back(std::stoull(t[i]));
    }
    if (!values.empty()) out[t[name_at]] = std::move(values);
  }
  return out;
}

Counters diskstats() {
  return numbers_by_name("/proc/diskstats", 2);
}
Counters netdev() {
  return numbers_by_name("/proc/net/dev", 0);
}
// The per-CPU lines of /proc/stat.
Counters percpu_stat() {
  Counters all = numbers_by_name("/proc/stat", 0);
  std::erase_if(
      all, [](const auto& e) { return e.first.size() <= 3 || e.first.compare(0, 3, "cpu") != 0; });
  return all;
}

std::set<std::string> live_names(const Client& client, InstanceDomain domain) {
  std::set<std::string> names;
  for (const Instance* i : client.instances()->live(domain)) names.insert(i->name);
  return names;
}

// Every live instance's value of `family`, once all of them were read by the broker after
// `after_ns` (the broker stamps a column before reading it: a later stamp means a later read).
std::optional<std::map<std::string, std::uint64_t>> values_read_after(
    const Client& client, MetricId family, std::uint64_t after_ns,
    std::chrono::milliseconds timeout) {
  std::optional<std::map<std::string, std::uint64_t>> out;
  wait_until(
      [&] {
        const FamilyValues values = client.read_family(family);
        std::map<std::string, std::uint64_t> by_name;
        for (const InstanceValue& v : values.values) {
          if (v.status != ReadStatus::kOk || v.value.read_time_ns <= after_ns) return false;
          by_name[v.instance->name] = v.value.bits;
        }
        out = std::move(by_name);
        return true;
      },
      timeout, 20ms);
  return out;
}

// For each instance in both kernel reads, before[field] * scale <= broker <= after[field] * scale
// (the kernel's counters only grow between the two reads). An instance that came or went between
// them is left out; `must_check` has to be there.
void expect_between(const char* what, const std::map<std::string, std::uint64_t>& broker,
                    const Counters& before, const Counters& after, std::size_t field,
                    std::uint64_t scale, const std::string& must_check) {
  bool checked = false;
  for (const auto& [name, value] : broker) {
    const auto b = before.find(name);
    const auto a = after.find(name);
    if (b == before.end() || a == after.end()) continue;
    ASSERT_LT(field, std::min(b->second.size(), a->second.size())) << what << " of " << name;
    EXPECT_LE(b->second[field] * scale, value) << what << " of " << name;
    EXPECT_LE(value, a->second[field] * scale) << what << " of " << name;
    checked |= name == must_check;
  }
  EXPECT_TRUE(checked) << what << " of " << must_check << " was not checked";
}

// The broker's instances (the names of a fresh read) are those of the kernel's two reads around
// it: every name in both, and none in neither (another test may add a veth meanwhile).
void expect_names_between(const char* what, const std::map<std::string, std::uint64_t>& broker,
                          const std::set<std::string>& before, const std::set<std::string>& after) {
  for (const std::string& name : before) {
    if (after.count(name) != 0) {
      EXPECT_EQ(broker.count(name), 1u) << what << ": " << name;
    }
  }
  for (const auto& [name, value] : broker) {
    EXPECT_TRUE(before.count(name) != 0 || after.count(name) != 0) << what << ": " << name;
  }
}

std::set<std::string> names_of(const Counters& counters) {
  std::set<std::string> names;
  for (const auto& [name, fields] : counters) names.insert(name);
  return names;
}

class RealInstances : public ::testing::Test {
 protected:
  void SetUp() override {
    broker_ =
        std::make_unique<Broker>(unique_segment(), 200, std::vector<std::string>{"--no-counters"});
    auto client = broker_->wait_ready();
    ASSERT_TRUE(client) << broker_->last_error() << "; stderr: " << broker_->process().err();
    client_.emplace(std::move(*client));
  }

  [[nodiscard]] const Client& client() const { return *client_; }

  std::unique_ptr<Broker> broker_;
  std::optional<Client> client_;
};

TEST_F(RealInstances, OneCpuInstancePerOnlineCpu) {
  const std::set<std::string> online = online_cpus();
  ASSERT_FALSE(online.empty());
  EXPECT_EQ(live_names(client(), InstanceDomain::Cpu), online);
  for (const Instance* cpu : client().instances()->live(InstanceDomain::Cpu)) {
    const std::string* label = cpu->label("cpu");
    ASSERT_NE(label, nullptr) << cpu->name;
    EXPECT_EQ("cpu" + *label, cpu->name);
  }
  const Counters before = percpu_stat();
  const std::uint64_t t0 = monotonic_ns();
  const auto user = values_read_after(client(), MetricId::cpu_time_user, t0, 3s);
  ASSERT_TRUE(user) << "cpu.time.user was not read again within 3 s";
  EXPECT_EQ(user->size(), online.size());
  expect_between("cpu.time.user", *user, before, percpu_stat(), 0, 1, *online.begin());
}

TEST_F(RealInstances, DiskCountersLieBetweenTwoReadsOfDiskstats) {
  // The same devices as node_exporter: partitions, loop and ram devices left out.
  const std::regex excluded(broker::InstanceConfig{}.disk_exclude);
  const auto disks = [&] {
    Counters all = diskstats();
    std::erase_if(all, [&](const auto& e) { return std::regex_search(e.first, excluded); });
    return all;
  };
  const Counters before = disks();
  if (before.empty()) GTEST_SKIP() << "no disk in /proc/diskstats";
  const std::uint64_t t0 = monotonic_ns();
  const auto reads = values_read_after(client(), MetricId::disk_reads_completed, t0, 3s);
  const auto read_bytes = values_read_after(client(), MetricId::disk_read_bytes, t0, 3s);
  const auto write_bytes = values_read_after(client(), MetricId::disk_write_bytes, t0, 3s);
  const Counters after = disks();
  ASSERT_TRUE(reads && read_bytes && write_bytes) << "disk families not read again within 3 s";
  expect_names_between("disk instances", *reads, names_of(before), names_of(after));
  const std::string first = before.begin()->first;
  expect_between("disk.reads_completed", *reads, before, after, 0, 1, first);
  expect_between("disk.read_bytes", *read_bytes, before, after, 2, 512, first);
  expect_between("disk.write_bytes", *write_bytes, before, after, 6, 512, first);
}

TEST_F(RealInstances, InterfaceCountersLieBetweenTwoReadsOfNetDev) {
  const Counters before = netdev();
  ASSERT_TRUE(before.count("lo")) << "every Linux machine has lo";
  const std::uint64_t t0 = monotonic_ns();
  const auto rx = values_read_after(client(), MetricId::netif_rx_bytes, t0, 3s);
  const auto rx_packets = values_read_after(client(), MetricId::netif_rx_packets, t0, 3s);
  const auto tx = values_read_after(client(), MetricId::netif_tx_bytes, t0, 3s);
  const auto tx_packets = values_read_after(client(), MetricId::netif_tx_packets, t0, 3s);
  const Counters after = netdev();
  ASSERT_TRUE(rx && rx_packets && tx && tx_packets) << "netif families not read again in 3 s";
  expect_names_between("netif instances", *rx, names_of(before), names_of(after));
  for (const std::string itf : {"lo", "eth0"}) {
    if (before.count(itf) == 0) {
      std::printf("note: no %s here\n", itf.c_str());
      continue;
    }
    expect_between("netif.rx_bytes", *rx, before, after, 0, 1, itf);
    expect_between("netif.rx_packets", *rx_packets, before, after, 1, 1, itf);
    expect_between("netif.tx_bytes", *tx, before, after, 8, 1, itf);
    expect_between("netif.tx_packets", *tx_packets, before, after, 9, 1, itf);
  }
}

TEST_F(RealInstances, RootFilesystemAgreesWithStatvfs) {
  const Instance* root = client().instances()->find(InstanceDomain::Filesystem, "/");
  if (root == nullptr) {
    GTEST_SKIP() << "\"/\" is no filesystem instance here (its type is excluded, e.g. overlay)";
  }
  ASSERT_NE(root->label("fstype"), nullptr);
  ASSERT_NE(root->label("device"), nullptr);
  EXPECT_EQ(*root->label("mountpoint"), "/");
  struct statvfs before {};
  ASSERT_EQ(::statvfs("/", &before), 0);
  const std::uint64_t t0 = monotonic_ns();
  // The filesystem families are read every 5 s.
  const auto size = values_read_after(client(), MetricId::fs_size_bytes, t0, 7s);
  const auto free_bytes = values_read_after(client(), MetricId::fs_free_bytes, t0, 7s);
  const auto avail = values_read_after(client(), MetricId::fs_avail_bytes, t0, 7s);
  const auto files = values_read_after(client(), MetricId::fs_files, t0, 7s);
  const auto readonly = values_read_after(client(), MetricId::fs_readonly, t0, 7s);
  struct statvfs after {};
  ASSERT_EQ(::statvfs("/", &after), 0);
  ASSERT_TRUE(size && free_bytes && avail && files && readonly)
      << "filesystem families not read again within 7 s";

  const std::uint64_t frsize = after.f_frsize;
  EXPECT_EQ(size->at("/"), std::uint64_t{after.f_blocks} * frsize);
  EXPECT_EQ(files->at("/"), std::uint64_t{after.f_files});
  EXPECT_EQ(readonly->at("/"), (after.f_flag & ST_RDONLY) != 0 ? 1u : 0u);
  // Free space moves with whatever else writes: within the range of the two statvfs calls, give
  // or take 1 % of the filesystem.
  const auto expect_near = [&](const char* what, std::uint64_t value, std::uint64_t b,
                               std::uint64_t a) {
    const std::uint64_t slack = std::uint64_t{after.f_blocks} * frsize / 100;
    EXPECT_GE(value + slack, std::min(a, b)) << what;
    EXPECT_LE(value, std::max(a, b) + slack) << what;
  };
  expect_near("fs.free_bytes", free_bytes->at("/"), std::uint64_t{before.f_bfree} * frsize,
              std::uint64_t{after.f_bfree} * frsize);
  expect_near("fs.avail_bytes", avail->at("/"), std::uint64_t{before.f_bavail} * frsize,
              std::uint64_t{after.f_bavail} * frsize);
}

// ---- A veth pair made and deleted under the broker (root) ----

// Runs `ip ARGS...`; the result says why it failed.
RunResult ip(std::vector<std::string> args) {
  args.insert(args.begin(), "ip");
  std::vector<std::string> argv{"/bin/sh", "-c", "exec \"$@\"", "sh"};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, 10s);
}

// Deletes the pair whatever happens to the test (deleting one end deletes both).
class VethPair {
 public:
  explicit VethPair(std::string prefix) : a_(prefix + "a"), b_(prefix + "b") {}
  VethPair(const VethPair&) = delete;
  VethPair& operator=(const VethPair&) = delete;
  ~VethPair() {
    if (created_) (void)ip({"link", "del", a_});
  }
  // Empty on success, else why not.
  std::string create() {
    const RunResult r = ip({"link", "add", a_, "type", "veth", "peer", "name", b_});
    if (!r.exited(0)) return r.describe();
    created_ = true;
    return {};
  }
  std::string remove() {
    const RunResult r = ip({"link", "del", a_});
    if (!r.exited(0)) return r.describe();
    created_ = false;
    return {};
  }
  [[nodiscard]] const std::string& a() const { return a_; }
  [[nodiscard]] const std::string& b() const { return b_; }

 private:
  std::string a_, b_;
  bool created_ = false;
};

// Whether `name` is listed live in the netif domain: by `sysring instances netif` when the CLI is
// built, else by Client::instances().
bool listed_live(const Client& client, const std::string& segment, const std::string& name) {
#ifdef SYSRING_CLI_PATH
  (void)client;
  const RunResult r = run({SYSRING_CLI_PATH, "--segment", segment, "instances", "netif"});
  if (!r.exited(0)) {
    ADD_FAILURE() << r.describe();
    return false;
  }
  for (const std::string& line : lines_of(r.out)) {
    if (line.find("{device=\"" + name + "\",") != std::string::npos &&
        line.find(" live ") != std::string::npos) {
      return true;
    }
  }
  return false;
#else
  (void)segment;
  return client.instances()->find(InstanceDomain::Netif, name) != nullptr;
#endif
}

TEST_F(RealInstances, AVethPairAppearsAndGoesWithinThreeSeconds) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to create a veth pair";
  if (!ip({"-V"}).exited(0)) {
    GTEST_SKIP() << "no `ip` command (install iproute2)";
  }
  VethPair pair("sr" + std::to_string(::getpid() % 100000));
  if (const std::string why = pair.create(); !why.empty()) {
    GTEST_SKIP() << "ip link add failed (no veth support here?): " << why;
  }
  const auto both_live = [&] {
    return listed_live(client(), broker_->segment(), pair.a()) &&
           listed_live(client(), broker_->segment(), pair.b());
  };
  EXPECT_TRUE(wait_until(both_live, 3s, 50ms)) << pair.a() << " and " << pair.b();
  const Instance* a = client().instances()->find(InstanceDomain::Netif, pair.a());
  ASSERT_NE(a, nullptr);
  ASSERT_NE(a->label("device"), nullptr);
  EXPECT_EQ(*a->label("device"), pair.a());
  const auto handle = client().bind(MetricId::netif_rx_bytes, *a);
  ASSERT_TRUE(handle);

  ASSERT_EQ(pair.remove(), "");
  const auto both_gone = [&] {
    return !listed_live(client(), broker_->segment(), pair.a()) &&
           !listed_live(client(), broker_->segment(), pair.b());
  };
  EXPECT_TRUE(wait_until(both_gone, 3s, 50ms)) << pair.a() << " and " << pair.b();
  Scalar v;
  EXPECT_EQ(client().read(*handle, v), ReadStatus::kGone);
  EXPECT_NE(client().instances()->find(InstanceDomain::Netif, "lo"), nullptr);
}

}  // namespace
}  // namespace sysring
