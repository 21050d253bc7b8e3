// The real sysringd over a proc/sys/cgroup tree this test rewrites while the broker runs: a disk,
// an interface, a mount, a cgroup and a CPU appear and disappear. What clients see, through
// libsysring and (when it is built) the sysring CLI: the instance appears with its labels and
// values, its removal shows in the directory and its handles read kGone, and a name that comes
// back after the quarantine keeps its instance id under a new registration. Every wait is bounded
// (a deadline of a few seconds; the filesystem families are read every 5 s).
#include <gtest/gtest.h>
#include <sys/statvfs.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "instance_fixture_tree.hpp"
#include "process_util.hpp"
#include "sysring/client.hpp"

namespace sysring {
namespace {

using namespace itest;

// Families are read at their TTL (1 s for most, 5 s for the filesystem ones) on a 100 ms tick.
constexpr auto kSoon = 5s;
constexpr auto kFilesystemSoon = 12s;
// The broker keeps a removed instance's row at least this long (DESIGN: at least 1 s).
constexpr std::uint64_t kQuarantineNs = 1'000'000'000;

// Labels of an sdz (8:16, no udev record) and a dummy0 (no address files) of the tree.
const std::string kSdzLabels = "device=sdz,major=8,minor=16,model=,path=,revision=,serial=,wwn=";
const std::string kDummy0Labels = "address=,broadcast=,device=dummy0,ifalias=";

// "key=value,key=value" in key order.
std::string labels_text(const std::vector<InstanceLabel>& labels) {
  std::vector<std::string> parts;
  for (const InstanceLabel& l : labels) parts.push_back(l.key + "=" + l.value);
  std::sort(parts.begin(), parts.end());
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : ",") + p;
  return out;
}

// The live instance `name` of `domain`, once the broker has published it.
std::optional<Instance> wait_live(const Client& client, InstanceDomain domain,
                                  const std::string& name, std::chrono::milliseconds timeout) {
  std::optional<Instance> found;
  wait_until(
      [&] {
        const Instance* i = client.instances()->find(domain, name);
        if (i != nullptr) found = *i;
        return found.has_value();
      },
      timeout, 20ms);
  return found;
}

// Waits until no live instance of `domain` is named `name`.
bool wait_not_live(const Client& client, InstanceDomain domain, const std::string& name,
                   std::chrono::milliseconds timeout) {
  return wait_until([&] { return client.instances()->find(domain, name) == nullptr; }, timeout,
                    20ms);
}

// The record of the tenancy `registration` in the current directory, live or gone.
std::optional<Instance> record_of(const Client& client, std::uint64_t registration) {
  for (const Instance& i : client.instances()->instances) {
    if (i.registration == registration) return i;
  }
  return std::nullopt;
}

// The handle's value once it reads kOk (the refresh that registered the instance normally wrote
// it already; kBusy and kEmpty are waited out).
std::optional<std::uint64_t> wait_value(const Client& client, const InstanceHandle& handle,
                                        std::chrono::milliseconds timeout) {
  std::optional<std::uint64_t> value;
  wait_until(
      [&] {
        Scalar v;
        if (client.read(handle, v) == ReadStatus::kOk) value = v.bits;
        return value.has_value();
      },
      timeout, 20ms);
  return value;
}

// The family's value for `name` from read_family, or nullopt when it lists no such live instance.
std::optional<std::uint64_t> family_value(const Client& client, MetricId family,
                                          const std::string& name) {
  for (const InstanceValue& v : client.read_family(family).values) {
    if (v.instance->name == name && v.status == ReadStatus::kOk) return v.value.bits;
  }
  return std::nullopt;
}

// What an instance that has just been made to appear must look like.
struct Expected {
  InstanceDomain domain;
  std::string name;
  std::string labels;  // labels_text form
  MetricId family;     // one of its families, and the value it must read
  std::uint64_t value;
};

// The instance appears live with its labels; a handle and read_family read its value. Returns the
// instance and a handle bound to it.
std::optional<std::pair<Instance, InstanceHandle>> expect_appears(
    const Client& client, const Expected& e, std::chrono::milliseconds timeout) {
  const std::optional<Instance> live = wait_live(client, e.domain, e.name, timeout);
  if (!live) {
    ADD_FAILURE() << domain_name(e.domain) << " instance " << e.name << " never appeared";
    return std::nullopt;
  }
  EXPECT_EQ(labels_text(live->labels), e.labels) << e.name;
  EXPECT_TRUE(live->live);
  EXPECT_NE(live->added_ns, 0u);
  const std::optional<InstanceHandle> handle = client.bind(e.family, *live);
  if (!handle) {
    ADD_FAILURE() << "cannot bind " << client.descriptor(e.family)->name << " to " << e.name;
    return std::nullopt;
  }
  const std::optional<std::uint64_t> value = wait_value(client, *handle, timeout);
  EXPECT_EQ(value, std::optional<std::uint64_t>(e.value))
      << client.descriptor(e.family)->name << " of " << e.name;
  EXPECT_EQ(family_value(client, e.family, e.name), std::optional<std::uint64_t>(e.value))
      << "read_family of " << client.descriptor(e.family)->name;
  return std::make_pair(*live, *handle);
}

// The instance goes: no longer live in the directory, listed gone with its removal time, and
// its handle reads kGone. Returns the gone record.
std::optional<Instance> expect_goes(const Client& client, const Instance& was,
                                    const InstanceHandle& handle,
                                    std::chrono::milliseconds timeout) {
  if (!wait_not_live(client, was.domain, was.name, timeout)) {
    ADD_FAILURE() << domain_name(was.domain) << " instance " << was.name << " never went";
    return std::nullopt;
  }
  Scalar v;
  EXPECT_EQ(client.read(handle, v), ReadStatus::kGone) << was.name;
  EXPECT_FALSE(family_value(client, handle.family, was.name).has_value())
      << "read_family still lists " << was.name;
  const std::optional<Instance> gone = record_of(client, was.registration);
  if (!gone) {
    ADD_FAILURE() << "the directory does not list the gone " << was.name;
    return std::nullopt;
  }
  EXPECT_FALSE(gone->live);
  EXPECT_EQ(gone->instance_id, was.instance_id);
  EXPECT_GE(gone->removed_ns, was.added_ns);
  return gone;
}

// Sleeps until the quarantine of an instance removed at `removed_ns` has passed (a precondition
// of what follows, not an assertion).
void wait_out_quarantine(std::uint64_t removed_ns) {
  const std::uint64_t until = removed_ns + kQuarantineNs + 200'000'000;
  while (monotonic_ns() < until) std::this_thread::sleep_for(20ms);
}

std::uint64_t statvfs_size(const std::filesystem::path& path) {
  struct statvfs s {};
  if (::statvfs(path.c_str(), &s) != 0) return 0;
  return static_cast<std::uint64_t>(s.f_blocks) * s.f_frsize;
}

#ifdef SYSRING_CLI_PATH
// Runs the CLI with --json and turns its output into lines with a python3 snippet. A failed run
// gives no lines (and a test failure unless `raw` asks for the result).
std::vector<std::string> cli_json_lines(const std::string& segment,
                                        const std::vector<std::string>& args,
                                        const std::string& script, RunResult* raw = nullptr) {
  std::vector<std::string> argv{SYSRING_CLI_PATH, "--segment", segment, "--json"};
  argv.insert(argv.end(), args.begin(), args.end());
  RunResult r = run(argv);
  if (raw != nullptr) *raw = r;  // the caller judges the exit
  if (!r.exited(0)) {
    if (raw == nullptr) ADD_FAILURE() << r.describe();
    return {};
  }
  char path[] = "/tmp/sysring-fixture-json-XXXXXX";
  const int fd = ::mkstemp(path);
  if (fd < 0) return {};
  const bool written =
      ::write(fd, r.out.data(), r.out.size()) == static_cast<ssize_t>(r.out.size());
  ::close(fd);
  const RunResult py = written ? run({PYTHON3_PATH, "-c", script, path}) : RunResult{};
  ::unlink(path);
  EXPECT_TRUE(py.exited(0)) << py.describe() << "; CLI output: " << r.out;
  return lines_of(py.out);
}

// `sysring --json instances DOMAIN`: "name state instance_id key=value,..." per instance.
std::vector<std::string> cli_instances(const std::string& segment, InstanceDomain domain) {
  return cli_json_lines(segment, {"instances", std::string(domain_name(domain))},
                        "import json,sys\n"
                        "for i in json.load(open(sys.argv[1]))['instances']:\n"
                        "  labels=','.join(k+'='+v for k,v in sorted(i['labels'].items()))\n"
                        "  print(i['name'], i['state'], i['instance_id'], labels)\n");
}

// `sysring --json get SELECTOR`: "instance status value" per value.
std::vector<std::string> cli_get(const std::string& segment, const std::string& selector,
                                 RunResult* raw = nullptr) {
  return cli_json_lines(segment, {"get", selector},
                        "import json,sys\n"
                        "for m in json.load(open(sys.argv[1]))['metrics']:\n"
                        "  print(m['instance'], m['status'], m['value'])\n",
                        raw);
}

bool contains(const std::vector<std::string>& lines, const std::string& line) {
  return std::find(lines.begin(), lines.end(), line) != lines.end();
}
#endif

class InstancesFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    broker_ = std::make_unique<Broker>(unique_segment(), 100, tree_.broker_flags());
    auto client = broker_->wait_ready();
    ASSERT_TRUE(client) << broker_->last_error() << "; stderr: " << broker_->process().err();
    client_.emplace(std::move(*client));
  }

  [[nodiscard]] const Client& client() const { return *client_; }
  [[nodiscard]] const std::string& segment() const { return broker_->segment(); }

  InstanceFixtureTree tree_;
  std::unique_ptr<Broker> broker_;
  std::optional<Client> client_;
};

TEST_F(InstancesFixture, TheStartingTreeIsPublishedWithLabelsAndValues) {
  const std::string data = tree_.path("mnt/data").string();
  const std::vector<Expected> expected = {
      {InstanceDomain::Cpu, "cpu0", "cpu=0", MetricId::cpu_time_user, 1500},
      {InstanceDomain::Cpu, "cpu1", "cpu=1", MetricId::cpu_core_id, 1},
      {InstanceDomain::Disk, "vda",
       "device=vda,major=252,minor=0,model=Fixture_Disk,path=,revision=,serial=FIXTURE01,wwn=",
       MetricId::disk_read_bytes, 2000 * 512},
      {InstanceDomain::Netif, "lo",
       "address=,broadcast=,device=lo,ifalias=", MetricId::netif_rx_bytes, 3267},
      {InstanceDomain::Netif, "eth0",
       "address=,broadcast=,device=eth0,ifalias=", MetricId::netif_mtu, 1500},
      {InstanceDomain::Filesystem, data, "device=/dev/vdz1,fstype=ext4,mountpoint=" + data,
       MetricId::fs_size_bytes, statvfs_size(data)},
      {InstanceDomain::Numa, "node0", "node=0", MetricId::numa_mem_total, 5990136ULL * 1024},
      {InstanceDomain::Cgroup, "system.slice", "cgroup=/system.slice",
       MetricId::cgroup_cpu_usage_us, 1000},
      {InstanceDomain::Cgroup, "user.slice", "cgroup=/user.slice", MetricId::cgroup_cpu_usage_us,
       2000},
  };
  for (const Expected& e : expected) expect_appears(client(), e, kSoon);
  // Nothing else: the proc entry of the mount table is excluded by its type.
  const auto dir = client().instances();
  EXPECT_EQ(dir->live(InstanceDomain::None).size(), expected.size());
  EXPECT_EQ(dir->unpublished, 0u);
  EXPECT_EQ(client().info().instances_removed, 0u);

#ifdef SYSRING_CLI_PATH
  const std::vector<std::string> cgroups = cli_instances(segment(), InstanceDomain::Cgroup);
  const auto cgroup_id = [&](const std::string& name) {
    return std::to_string(dir->find(InstanceDomain::Cgroup, name)->instance_id);
  };
  EXPECT_TRUE(
      contains(cgroups, "system.slice live " + cgroup_id("system.slice") + " cgroup=/system.slice"))
      << testing::PrintToString(cgroups);
  EXPECT_TRUE(
      contains(cgroups, "user.slice live " + cgroup_id("user.slice") + " cgroup=/user.slice"))
      << testing::PrintToString(cgroups);
#endif
}

TEST_F(InstancesFixture, ADiskAppearsGoesAndComesBackWithItsInstanceId) {
  std::vector<std::string> lines = InstanceFixtureTree::diskstats_lines();
  tree_.diskstats().set(
      InstanceFixtureTree::joined(lines, {"   8      16 sdz 7 0 96 1 3 0 24 1 0 2 2 0 0 0 0 0 0"}));
  const auto first = expect_appears(
      client(), {InstanceDomain::Disk, "sdz", kSdzLabels, MetricId::disk_read_bytes, 96 * 512},
      kSoon);
  ASSERT_TRUE(first);
  const auto& [sdz, handle] = *first;
  const auto writes = client().bind(MetricId::disk_write_bytes, sdz);
  ASSERT_TRUE(writes);
  EXPECT_EQ(wait_value(client(), *writes, kSoon), std::optional<std::uint64_t>(24 * 512));
  const std::string id = std::to_string(sdz.instance_id);
#ifdef SYSRING_CLI_PATH
  EXPECT_TRUE(contains(cli_instances(segment(), InstanceDomain::Disk),
                       "sdz live " + id + " " + kSdzLabels));
  EXPECT_EQ(cli_get(segment(), "disk.read_bytes{device=\"sdz\"}"),
            std::vector<std::string>{"sdz ok 49152"});
#endif

  tree_.diskstats().set(lines);
  const std::optional<Instance> gone = expect_goes(client(), sdz, handle, kSoon);
  ASSERT_TRUE(gone);
  Scalar v;
  EXPECT_EQ(client().read(*writes, v), ReadStatus::kGone) << "every family's handle";
  EXPECT_FALSE(client().bind(MetricId::disk_read_bytes, "sdz").has_value());
#ifdef SYSRING_CLI_PATH
  EXPECT_TRUE(contains(cli_instances(segment(), InstanceDomain::Disk),
                       "sdz gone " + id + " " + kSdzLabels));
  RunResult get;
  EXPECT_TRUE(cli_get(segment(), "disk.read_bytes{device=\"sdz\"}", &get).empty());
  EXPECT_TRUE(get.exited(1)) << "no instance matches: " << get.describe();
#endif

  // Back after the quarantine: the old instance id, a new registration, new values; the old
  // handles stay gone and the gone record stays listed beside the live one.
  wait_out_quarantine(gone->removed_ns);
  tree_.diskstats().set(InstanceFixtureTree::joined(
      lines, {"   8      16 sdz 9 0 128 1 3 0 24 1 0 2 2 0 0 0 0 0 0"}));
  const auto back = expect_appears(
      client(), {InstanceDomain::Disk, "sdz", kSdzLabels, MetricId::disk_read_bytes, 128 * 512},
      kSoon);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->first.instance_id, sdz.instance_id) << "a name keeps its instance id";
  EXPECT_NE(back->first.registration, sdz.registration) << "a new tenancy";
  EXPECT_GT(back->first.added_ns, gone->removed_ns);
  EXPECT_EQ(client().read(handle, v), ReadStatus::kGone) << "an old handle stays gone";
  const std::optional<Instance> old = record_of(client(), sdz.registration);
  ASSERT_TRUE(old) << "the gone record stays listed while its row is quarantined or unused";
  EXPECT_FALSE(old->live);
#ifdef SYSRING_CLI_PATH
  const std::vector<std::string> listed = cli_instances(segment(), InstanceDomain::Disk);
  EXPECT_TRUE(contains(listed, "sdz live " + id + " " + kSdzLabels))
      << testing::PrintToString(listed);
  EXPECT_EQ(cli_get(segment(), "disk.read_bytes{device=\"sdz\"}"),
            std::vector<std::string>{"sdz ok 65536"});
#endif
  const SegmentInfo info = client().info();
  EXPECT_EQ(info.instances_removed, 1u);
  EXPECT_GE(info.instances_added, 2u);
}

TEST_F(InstancesFixture, AnInterfaceAppearsAndGoes) {
  // Its sysfs directory first: the source opens the attributes when the interface appears.
  tree_.add_interface("dummy0", {"up", "1", "1000", "1400", "4", "500", "7", "0x1003"});
  const std::vector<std::string> lines = InstanceFixtureTree::netdev_lines();
  tree_.netdev().set(InstanceFixtureTree::joined(
      lines, {"dummy0:    5555      11    0    0    0     0          0         0     6666      12  "
              "  0    0    0     0       0          0"}));
  const auto added = expect_appears(
      client(), {InstanceDomain::Netif, "dummy0", kDummy0Labels, MetricId::netif_rx_bytes, 5555},
      kSoon);
  ASSERT_TRUE(added);
  // From its sysfs directory (families read every second; mtu's TTL is 10 s).
  const auto changes = client().bind(MetricId::netif_carrier_changes, added->first);
  ASSERT_TRUE(changes);
  EXPECT_EQ(wait_value(client(), *changes, kSoon), std::optional<std::uint64_t>(4));
  EXPECT_EQ(family_value(client(), MetricId::netif_operstate, "dummy0"),
            std::optional<std::uint64_t>(6))
      << "IF_OPER_UP";
  EXPECT_EQ(family_value(client(), MetricId::netif_tx_bytes, "dummy0"),
            std::optional<std::uint64_t>(6666));

  tree_.netdev().set(lines);
  EXPECT_TRUE(expect_goes(client(), added->first, added->second, kSoon));
  Scalar v;
  EXPECT_EQ(client().read(*changes, v), ReadStatus::kGone);
  std::filesystem::remove_all(tree_.path("sys/class/net/dummy0"));
  EXPECT_TRUE(client().instances()->find(InstanceDomain::Netif, "eth0") != nullptr)
      << "the other interfaces stay";
}

TEST_F(InstancesFixture, AMountAppearsAndGoes) {
  const std::filesystem::path extra = tree_.path("mnt/extra");
  std::filesystem::create_directories(extra);
  const std::vector<std::string> lines = tree_.mountinfo_lines();
  tree_.mountinfo().set(InstanceFixtureTree::joined(
      lines, {"29 22 254:2 / " + extra.string() + " rw,relatime - xfs /dev/vdz2 rw"}));
  const auto added = expect_appears(client(),
                                    {InstanceDomain::Filesystem, extra.string(),
                                     "device=/dev/vdz2,fstype=xfs,mountpoint=" + extra.string(),
                                     MetricId::fs_size_bytes, statvfs_size(extra)},
                                    kFilesystemSoon);
  ASSERT_TRUE(added);

  tree_.mountinfo().set(lines);
  EXPECT_TRUE(expect_goes(client(), added->first, added->second, kFilesystemSoon));
  EXPECT_TRUE(client().instances()->find(InstanceDomain::Filesystem,
                                         tree_.path("mnt/data").string()) != nullptr)
      << "the other mount stays";
}

TEST_F(InstancesFixture, ACgroupAppearsAndGoes) {
  // Made whole outside the root, then moved in with one rename: the broker never lists a group
  // whose files are not there yet.
  const std::filesystem::path staging = tree_.path("new.slice");
  tree_.write_cgroup(staging, 777);
  std::filesystem::rename(staging, tree_.path("cgroup/new.slice"));
  const auto added = expect_appears(client(),
                                    {InstanceDomain::Cgroup, "new.slice", "cgroup=/new.slice",
                                     MetricId::cgroup_cpu_usage_us, 777},
                                    kSoon);
  ASSERT_TRUE(added);
  EXPECT_EQ(family_value(client(), MetricId::cgroup_memory_current, "new.slice"),
            std::optional<std::uint64_t>(4096));

  std::filesystem::rename(tree_.path("cgroup/new.slice"), staging);
  EXPECT_TRUE(expect_goes(client(), added->first, added->second, kSoon));
  EXPECT_TRUE(client().instances()->find(InstanceDomain::Cgroup, "system.slice") != nullptr);
}

TEST_F(InstancesFixture, ACpuAppearsGoesAndComesBack) {
  tree_.add_cpu_topology("cpu2");
  const auto stat_with = [&](const std::string& cpu2) {
    return InstanceFixtureTree::joined(
        InstanceFixtureTree::joined(InstanceFixtureTree::stat_lines(), {cpu2}),
        InstanceFixtureTree::stat_tail());
  };
  tree_.stat().set(stat_with("cpu2 4242 0 700 9000 9 0 1 0 0 0"));
  const auto added = expect_appears(
      client(), {InstanceDomain::Cpu, "cpu2", "cpu=2", MetricId::cpu_time_user, 4242}, kSoon);
  ASSERT_TRUE(added);
  const auto core = client().bind(MetricId::cpu_core_id, added->first);
  ASSERT_TRUE(core);
  EXPECT_EQ(wait_value(client(), *core, kSoon), std::optional<std::uint64_t>(2))
      << "a STATIC family is read when the instance appears";

  tree_.stat().set(InstanceFixtureTree::joined(InstanceFixtureTree::stat_lines(),
                                               InstanceFixtureTree::stat_tail()));
  const std::optional<Instance> gone = expect_goes(client(), added->first, added->second, kSoon);
  ASSERT_TRUE(gone);
  EXPECT_EQ(client().instances()->live(InstanceDomain::Cpu).size(), 2u);

  wait_out_quarantine(gone->removed_ns);
  tree_.stat().set(stat_with("cpu2 5000 0 700 9000 9 0 1 0 0 0"));
  const auto back = expect_appears(
      client(), {InstanceDomain::Cpu, "cpu2", "cpu=2", MetricId::cpu_time_user, 5000}, kSoon);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->first.instance_id, added->first.instance_id);
  EXPECT_NE(back->first.registration, added->first.registration);
  const auto core_again = client().bind(MetricId::cpu_core_id, back->first);
  ASSERT_TRUE(core_again);
  EXPECT_EQ(wait_value(client(), *core_again, kSoon), std::optional<std::uint64_t>(2))
      << "read again for the new tenancy";
  Scalar v;
  EXPECT_EQ(client().read(*core, v), ReadStatus::kGone);
}

}  // namespace
}  // namespace sysring
