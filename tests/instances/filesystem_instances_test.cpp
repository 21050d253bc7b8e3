// The filesystem source over a fixture mount table and a fake statvfs: instances, labels and
// values; mounts coming and going; read-only from the table's options, following remounts; a
// hung mount that never stalls a refresh; and on this machine, "/" against statvfs("/"), a mount
// table that is not re-read while unchanged, and real mounts and remounts signalled by procfs.
#include "sources/linux/filesystem_instances.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "allocation_count.hpp"
#include "fake_statfs.hpp"
#include "linux_fixture_tree.hpp"
#include "recording_sink.hpp"
#include "sink_readings.hpp"
#include "sysring/errno_text.hpp"

namespace sysring::broker::linux_instances {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using test::FakeStatfs;
using test::FixtureTree;
using test::ok_bits;
using test::RecordingSink;
using test::status_of;

constexpr std::uint16_t kSize = 600;
constexpr std::uint16_t kFree = 601;
constexpr std::uint16_t kAvail = 602;
constexpr std::uint16_t kFiles = 603;
constexpr std::uint16_t kFilesFree = 604;
constexpr std::uint16_t kReadonly = 605;
constexpr std::uint16_t kDeviceError = 795;

// Generous for sanitizer builds on a loaded machine, and still far below "hangs forever".
constexpr auto kRefreshLimit = 500ms;
constexpr auto kPatience = 10s;

const std::vector<registry::RegistryEntry>& rows() {
  static const auto kRows = test::linux_rows(InstanceDomain::Filesystem);
  return kRows;
}

StatfsWorkerOptions with(const std::shared_ptr<FakeStatfs>& fake) {
  StatfsWorkerOptions o;
  o.statfs = fake->function();
  return o;
}

InstanceConfig fast_timeout(const FixtureTree& tree) {
  InstanceConfig config = tree.config();
  config.statfs_timeout_ms = 50;
  return config;
}

// Refreshes until `done` holds for what the sink recorded, timing every refresh.
bool refresh_until(InstanceSource& source, RecordingSink& sink, const std::function<bool()>& done) {
  const auto deadline = Clock::now() + kPatience;
  while (Clock::now() < deadline) {
    sink.begin();
    const auto start = Clock::now();
    source.refresh(sink);
    EXPECT_LT(Clock::now() - start, kRefreshLimit);
    if (done()) return true;
    std::this_thread::sleep_for(2ms);
  }
  return false;
}

bool has_value(const RecordingSink& sink, const std::string& name) {
  return ok_bits(sink, kSize, name).has_value();
}

const std::set<std::string> kFixtureMounts = {"/",    "/run",     "/home",         "/mnt/my disk",
                                              "/srv", "/mnt/nfs", "/run/user/1000"};

TEST(FilesystemInstances, FamiliesAreTheLinuxStatvfsRows) {
  FixtureTree tree("filesystem_mounts");
  auto fake = std::make_shared<FakeStatfs>();
  FilesystemInstances source(rows(), tree.config(), with(fake));
  EXPECT_EQ(source.domain(), InstanceDomain::Filesystem);
  EXPECT_TRUE(source.owns_domain());
  const std::vector<std::uint16_t> ids(source.families().begin(), source.families().end());
  EXPECT_EQ(ids, (std::vector<std::uint16_t>{kSize, kFree, kAvail, kFiles, kFilesFree, kReadonly,
                                             kDeviceError}));
  for (const std::uint16_t id : ids) EXPECT_TRUE(source.availability(id).available) << id;
  EXPECT_FALSE(source.availability(1).available);
  EXPECT_EQ(source.instances_at_start(), kFixtureMounts.size());
}

TEST(FilesystemInstances, DarwinRowsAndUnknownSourcesAreNotBound) {
  FixtureTree tree("filesystem_mounts");
  std::vector<registry::RegistryEntry> all;
  for (const auto& e : registry::kEntries) {
    if (e.domain == InstanceDomain::Filesystem) all.push_back(e);
  }
  registry::RegistryEntry odd = rows().front();
  odd.id = 9000;
  odd.source = "statvfs:nonsense";
  all.push_back(odd);
  auto fake = std::make_shared<FakeStatfs>();
  FilesystemInstances source(all, tree.config(), with(fake));
  EXPECT_EQ(source.families().size(), 8U);  // the seven Linux rows and the odd one
  EXPECT_FALSE(source.availability(9000).available);
  EXPECT_NE(source.availability(9000).reason.find("statvfs:nonsense"), std::string::npos);
}

TEST(FilesystemInstances, StatvfsReadonlyIsNoSource) {
  // statvfs's ST_RDONLY answers for the broker's own mount namespace: not a source.
  FixtureTree tree("filesystem_mounts");
  std::vector<registry::RegistryEntry> all = rows();
  for (registry::RegistryEntry& e : all) {
    if (e.id == kReadonly) e.source = "statvfs:readonly";
  }
  auto fake = std::make_shared<FakeStatfs>();
  FilesystemInstances source(all, tree.config(), with(fake));
  EXPECT_FALSE(source.availability(kReadonly).available);
  EXPECT_NE(source.availability(kReadonly).reason.find("mountinfo:readonly"), std::string::npos)
      << source.availability(kReadonly).reason;
  EXPECT_TRUE(source.availability(kSize).available);
}

TEST(FilesystemInstances, InstancesLabelsAndValues) {
  FixtureTree tree("filesystem_mounts");
  auto fake = std::make_shared<FakeStatfs>();
  fake->set_blocks("/", 1'000'000);
  fake->set_readonly("/");  // statvfs's ST_RDONLY: not what fs.readonly publishes
  FilesystemInstances source(rows(), tree.config(), with(fake));
  RecordingSink sink;
  ASSERT_TRUE(refresh_until(source, sink, [&] {
    for (const auto& m : kFixtureMounts) {
      if (!has_value(sink, m)) return false;
    }
    return true;
  }));
  EXPECT_EQ(test::names(sink), kFixtureMounts);

  const auto& disk = sink.present().at("/mnt/my disk");
  EXPECT_EQ(disk.labels.at("device"), "/dev/disk/by-label/my disk");
  EXPECT_EQ(disk.labels.at("fstype"), "ext4");
  EXPECT_EQ(disk.labels.at("mountpoint"), "/mnt/my disk");
  EXPECT_EQ(sink.present().at("/srv").labels.at("device"), "/dev/sdc1");  // the top mount
  EXPECT_EQ(sink.present().at("/mnt/nfs").labels.at("device"), "server:/export");

  EXPECT_EQ(ok_bits(sink, kSize, "/"), 1'000'000 * FakeStatfs::kFrsize);
  EXPECT_EQ(ok_bits(sink, kFree, "/"), 500'000 * FakeStatfs::kFrsize);
  EXPECT_EQ(ok_bits(sink, kAvail, "/"), 250'000 * FakeStatfs::kFrsize);
  EXPECT_EQ(ok_bits(sink, kFiles, "/"), 5000U);
  EXPECT_EQ(ok_bits(sink, kFilesFree, "/"), 4000U);
  // Read-only from the table: "/" is rw there, /srv's top mount (xfs) ro.
  EXPECT_EQ(ok_bits(sink, kReadonly, "/"), 0U);
  EXPECT_EQ(ok_bits(sink, kReadonly, "/srv"), 1U);
  EXPECT_EQ(ok_bits(sink, kReadonly, "/home"), 0U);
  EXPECT_EQ(fake->calls("/proc"), 0);  // excluded mounts are never asked
}

TEST(FilesystemInstances, MountAppearsAndDisappears) {
  FixtureTree tree("filesystem_mounts");
  auto fake = std::make_shared<FakeStatfs>();
  FilesystemInstances source(rows(), tree.config(), with(fake));
  RecordingSink sink;
  ASSERT_TRUE(refresh_until(source, sink, [&] { return has_value(sink, "/"); }));
  EXPECT_FALSE(sink.has("/mnt/usb"));

  const std::string table = tree.path("proc/1/mountinfo").string();
  const std::string before = [&] {
    std::ifstream in(table);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }();
  tree.rewrite("proc/1/mountinfo", before + "50 22 8:49 / /mnt/usb rw - vfat /dev/sdd1 rw\n");
  ASSERT_TRUE(refresh_until(source, sink, [&] { return has_value(sink, "/mnt/usb"); }));
  EXPECT_EQ(sink.present().at("/mnt/usb").labels.at("fstype"), "vfat");
  EXPECT_EQ(sink.present().size(), kFixtureMounts.size() + 1);

  tree.rewrite("proc/1/mountinfo", before);
  sink.begin();
  source.refresh(sink);
  EXPECT_FALSE(sink.has("/mnt/usb"));
  EXPECT_EQ(test::names(sink), kFixtureMounts);
}

// `mount -o remount,ro` keeps the mount and changes its options: the next refresh publishes
// the new flag, the instance stays and statvfs goes on as before.
TEST(FilesystemInstances, RemountFollowsTheTable) {
  FixtureTree tree("filesystem_mounts");
  auto fake = std::make_shared<FakeStatfs>();
  FilesystemInstances source(rows(), tree.config(), with(fake));
  RecordingSink sink;
  ASSERT_TRUE(refresh_until(source, sink, [&] { return has_value(sink, "/home"); }));
  EXPECT_EQ(ok_bits(sink, kReadonly, "/home"), 0U);

  const std::string table = tree.path("proc/1/mountinfo").string();
  const std::string rw = [&] {
    std::ifstream in(table);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }();
  const std::string home_rw =
      "29 22 254:2 / /home rw,relatime shared:7 master:1 - ext4 /dev/vda2 rw";
  ASSERT_NE(rw.find(home_rw), std::string::npos);
  const auto with_home = [&](const std::string& line) {
    std::string text = rw;
    text.replace(text.find(home_rw), home_rw.size(), line);
    return text;
  };
  const auto refresh_once = [&] {
    sink.begin();
    source.refresh(sink);
  };

  // A read-only bind remount: the mount's own flag.
  tree.rewrite("proc/1/mountinfo",
               with_home("29 22 254:2 / /home ro,relatime shared:7 master:1 - ext4 /dev/vda2 rw"));
  refresh_once();
  EXPECT_EQ(ok_bits(sink, kReadonly, "/home"), 1U);
  EXPECT_EQ(test::names(sink), kFixtureMounts);
  EXPECT_TRUE(has_value(sink, "/home"));  // statvfs values go on

  // Back to rw, then the superblock read-only under an rw mount (remount,ro of another bind).
  tree.rewrite("proc/1/mountinfo", rw);
  refresh_once();
  EXPECT_EQ(ok_bits(sink, kReadonly, "/home"), 0U);
  tree.rewrite("proc/1/mountinfo",
               with_home("29 22 254:2 / /home rw,relatime shared:7 master:1 - ext4 /dev/vda2 ro"));
  refresh_once();
  EXPECT_EQ(ok_bits(sink, kReadonly, "/home"), 1U);

  // errors=remount-ro names no read-only filesystem.
  tree.rewrite("proc/1/mountinfo", with_home("29 22 254:2 / /home rw,relatime shared:7 master:1 - "
                                             "ext4 /dev/vda2 rw,errors=remount-ro"));
  refresh_once();
  EXPECT_EQ(ok_bits(sink, kReadonly, "/home"), 0U);
  const int calls = fake->calls("/home");
  ASSERT_TRUE(refresh_until(source, sink, [&] { return fake->calls("/home") > calls; }));
}

TEST(FilesystemInstances, HungMountNeverStallsTheRefresh) {
  FixtureTree tree("filesystem_mounts");
  auto fake = std::make_shared<FakeStatfs>();
  fake->hang("/mnt/nfs");
  FilesystemInstances source(rows(), fast_timeout(tree), with(fake));
  RecordingSink sink;

  // Every refresh returns at once; the hung mount turns unavailable, the others keep values.
  ASSERT_TRUE(refresh_until(source, sink, [&] {
    return status_of(sink, kSize, "/mnt/nfs") == layout::SlotStatus::kUnavailable &&
           has_value(sink, "/run/user/1000");
  }));
  EXPECT_TRUE(sink.has("/mnt/nfs"));  // still an instance: the mount exists
  for (const auto& m : kFixtureMounts) {
    if (m != "/mnt/nfs") {
      EXPECT_TRUE(has_value(sink, m)) << m;
    }
  }
  for (const std::uint16_t id : {kFree, kAvail, kFiles, kFilesFree}) {
    EXPECT_EQ(status_of(sink, id, "/mnt/nfs"), layout::SlotStatus::kUnavailable);
  }
  // The table knows it is mounted rw, hung or not.
  EXPECT_EQ(ok_bits(sink, kReadonly, "/mnt/nfs"), 0U);

  // Stuck past the timeout: node_exporter's device_error; a healthy mount's is 0.
  ASSERT_TRUE(
      refresh_until(source, sink, [&] { return ok_bits(sink, kDeviceError, "/mnt/nfs") == 1U; }));
  EXPECT_EQ(ok_bits(sink, kDeviceError, "/"), 0U);

  // Skipped while stuck: later refreshes ask the others again, never the hung mount.
  const int root_calls = fake->calls("/");
  ASSERT_TRUE(refresh_until(source, sink, [&] { return fake->calls("/") >= root_calls + 3; }));
  EXPECT_EQ(fake->calls("/mnt/nfs"), 1);

  // The server answers: the mount's values come back.
  fake->release("/mnt/nfs");
  ASSERT_TRUE(refresh_until(source, sink, [&] { return has_value(sink, "/mnt/nfs"); }));
  EXPECT_EQ(ok_bits(sink, kDeviceError, "/mnt/nfs"), 0U);
}

TEST(FilesystemInstances, DestroyedWhileAMountIsStuck) {
  FixtureTree tree("filesystem_mounts");
  auto fake = std::make_shared<FakeStatfs>();
  fake->hang("/mnt/nfs");
  auto source = std::make_unique<FilesystemInstances>(rows(), fast_timeout(tree), with(fake));
  RecordingSink sink;
  ASSERT_TRUE(refresh_until(*source, sink, [&] {
    return status_of(sink, kSize, "/mnt/nfs") == layout::SlotStatus::kUnavailable &&
           has_value(sink, "/srv");
  }));
  const auto start = Clock::now();
  source.reset();
  EXPECT_LT(Clock::now() - start, kRefreshLimit);
  fake->release_all();
  EXPECT_TRUE(fake->wait_idle(kPatience));
}

// ext4, xfs and tmpfs answer statfs from memory: asked on the refresh thread, no handoff. The
// others (nfs4 here) go through the worker, so that a hang never reaches the refresh.
TEST(FilesystemInstances, MemoryBackedTypesAreAskedOnTheRefreshThread) {
  FixtureTree tree("filesystem_mounts");
  auto fake = std::make_shared<FakeStatfs>();
  FilesystemInstances source(rows(), tree.config(), with(fake));
  RecordingSink sink;
  ASSERT_TRUE(refresh_until(source, sink, [&] {
    for (const auto& m : kFixtureMounts) {
      if (!has_value(sink, m)) return false;
    }
    return true;
  }));
  const std::thread::id here = std::this_thread::get_id();
  for (const char* inline_mount : {"/", "/home", "/srv", "/run", "/run/user/1000"}) {
    EXPECT_EQ(fake->last_thread(inline_mount), here) << inline_mount;
  }
  EXPECT_NE(fake->last_thread("/mnt/nfs"), here);
  EXPECT_NE(fake->last_thread("/mnt/nfs"), std::thread::id{});

  InstanceConfig none_inline = tree.config();
  none_inline.statfs_inline_types.clear();
  auto fake2 = std::make_shared<FakeStatfs>();
  FilesystemInstances all_in_worker(rows(), none_inline, with(fake2));
  RecordingSink sink2;
  ASSERT_TRUE(refresh_until(all_in_worker, sink2, [&] { return has_value(sink2, "/"); }));
  EXPECT_NE(fake2->last_thread("/"), here) << "an empty statfs_inline_types asks none inline";
}

TEST(FilesystemInstances, FailedStatvfsIsAReadError) {
  FixtureTree tree("filesystem_mounts");
  auto fake = std::make_shared<FakeStatfs>();
  fake->fail("/run/user/1000", EACCES);
  FilesystemInstances source(rows(), tree.config(), with(fake));
  RecordingSink sink;
  ASSERT_TRUE(refresh_until(source, sink, [&] {
    return status_of(sink, kSize, "/run/user/1000") == layout::SlotStatus::kReadError;
  }));
  EXPECT_TRUE(has_value(sink, "/"));
  EXPECT_EQ(ok_bits(sink, kDeviceError, "/run/user/1000"), 1U);
  EXPECT_EQ(ok_bits(sink, kReadonly, "/run/user/1000"), 0U);  // from the table all the same
  EXPECT_EQ(ok_bits(sink, kDeviceError, "/"), 0U);
}

TEST(FilesystemInstances, NothingDueMeansNoStatvfs) {
  FixtureTree tree("filesystem_mounts");
  auto fake = std::make_shared<FakeStatfs>();
  FilesystemInstances source(rows(), tree.config(), with(fake));
  RecordingSink sink;
  sink.unwanted = {kSize, kFree, kAvail, kFiles, kFilesFree, kReadonly, kDeviceError};
  for (int i = 0; i < 3; ++i) {
    sink.begin();
    source.refresh(sink);
  }
  EXPECT_EQ(test::names(sink), kFixtureMounts);  // the instances are kept current all the same
  EXPECT_EQ(sink.reading(kSize, "/"), nullptr);
  EXPECT_EQ(fake->calls("/"), 0);

  // Only fs.readonly due: it comes from the table, so still no statvfs.
  sink.unwanted = {kSize, kFree, kAvail, kFiles, kFilesFree, kDeviceError};
  sink.begin();
  source.refresh(sink);
  EXPECT_EQ(ok_bits(sink, kReadonly, "/srv"), 1U);
  EXPECT_EQ(ok_bits(sink, kReadonly, "/"), 0U);
  EXPECT_EQ(fake->calls("/"), 0);

  sink.unwanted = {kFiles};  // one family not due: the others are reported, it is not
  ASSERT_TRUE(refresh_until(source, sink, [&] { return has_value(sink, "/"); }));
  EXPECT_EQ(sink.reading(kFiles, "/"), nullptr);
  EXPECT_TRUE(ok_bits(sink, kFilesFree, "/").has_value());
}

TEST(FilesystemInstances, RefusedInstancesGetNoValues) {
  FixtureTree tree("filesystem_mounts");
  auto fake = std::make_shared<FakeStatfs>();
  FilesystemInstances source(rows(), tree.config(), with(fake));
  RecordingSink sink;
  sink.refuse_all = true;
  source.refresh(sink);
  EXPECT_TRUE(sink.present().empty());
  EXPECT_EQ(sink.reading(kSize, "/"), nullptr);
}

TEST(FilesystemInstances, NoMountTableMeansUnavailable) {
  FixtureTree tree("filesystem_mounts");
  tree.remove("proc/1");
  auto fake = std::make_shared<FakeStatfs>();
  FilesystemInstances source(rows(), tree.config(), with(fake));
  for (const std::uint16_t id : source.families()) {
    EXPECT_FALSE(source.availability(id).available);
    EXPECT_EQ(source.availability(id).reason,
              tree.proc() + "/1/mountinfo: No such file or directory");
  }
  RecordingSink sink;
  source.refresh(sink);
  EXPECT_TRUE(sink.present().empty());
  EXPECT_EQ(source.instances_at_start(), 0U);
}

TEST(FilesystemInstances, FallsBackToSelfMountinfo) {
  FixtureTree tree("filesystem_mounts");
  tree.rewrite("proc/self/mountinfo", "22 1 254:1 / / rw - ext4 /dev/vda1 rw\n");
  tree.remove("proc/1");
  auto fake = std::make_shared<FakeStatfs>();
  FilesystemInstances source(rows(), tree.config(), with(fake));
  EXPECT_TRUE(source.availability(kSize).available);
  RecordingSink sink;
  ASSERT_TRUE(refresh_until(source, sink, [&] { return has_value(sink, "/"); }));
  EXPECT_EQ(test::names(sink), std::set<std::string>{"/"});
}

TEST(FilesystemInstances, BadExclusionPatternThrows) {
  FixtureTree tree("filesystem_mounts");
  InstanceConfig config = tree.config();
  config.mount_points_exclude = "^/(dev";
  EXPECT_THROW(make_filesystem_instances(rows(), config), std::invalid_argument);
}

TEST(FilesystemInstances, RealStatvfsOnDirectories) {
  // Mount points are real paths: two directories of this machine stand in for mounts.
  FixtureTree tree("filesystem_mounts");
  const std::filesystem::path a = tree.path("mnt a");
  const std::filesystem::path b = tree.path("mnt-b");
  std::filesystem::create_directories(a);
  std::filesystem::create_directories(b);
  std::string escaped_a = a.string();
  escaped_a.replace(escaped_a.find("mnt a"), 5, "mnt\\040a");
  tree.rewrite("proc/1/mountinfo", "30 1 8:1 / " + escaped_a + " rw - ext4 /dev/x rw\n" +
                                       "31 1 8:2 / " + b.string() + " ro - ext4 /dev/y ro\n");
  const auto source = make_filesystem_instances(rows(), tree.config());
  RecordingSink sink;
  ASSERT_TRUE(refresh_until(
      *source, sink, [&] { return has_value(sink, a.string()) && has_value(sink, b.string()); }));
  struct statvfs st {};
  ASSERT_EQ(::statvfs(a.c_str(), &st), 0);
  EXPECT_EQ(ok_bits(sink, kSize, a.string()), std::uint64_t{st.f_blocks} * st.f_frsize);
  EXPECT_EQ(ok_bits(sink, kFiles, a.string()), std::uint64_t{st.f_files});
  // The table's word: b is listed ro, though the directory is on a writable filesystem.
  EXPECT_EQ(ok_bits(sink, kReadonly, a.string()), 0U);
  EXPECT_EQ(ok_bits(sink, kReadonly, b.string()), 1U);
}

// ---- This machine ----

TEST(FilesystemInstancesHere, RootMatchesStatvfs) {
  const InstanceConfig config;  // /proc, the default exclusions
  const auto source = make_filesystem_instances(rows(), config);
  if (!source->availability(kSize).available) {
    GTEST_SKIP() << source->availability(kSize).reason;
  }
  RecordingSink sink;
  ASSERT_TRUE(refresh_until(*source, sink, [&] { return has_value(sink, "/"); }))
      << "\"/\" has no values";
  struct statvfs st {};
  ASSERT_EQ(::statvfs("/", &st), 0);
  EXPECT_EQ(ok_bits(sink, kSize, "/"), std::uint64_t{st.f_blocks} * st.f_frsize);
  const auto free_bytes = static_cast<double>(*ok_bits(sink, kFree, "/"));
  EXPECT_NEAR(free_bytes, static_cast<double>(std::uint64_t{st.f_bfree} * st.f_frsize),
              64.0 * 1024 * 1024);  // other processes write meanwhile
  EXPECT_EQ(sink.present().at("/").labels.at("mountpoint"), "/");
  EXPECT_FALSE(sink.has("/proc"));
  EXPECT_FALSE(sink.has("/sys"));
}

TEST(FilesystemInstancesHere, UnchangedMountTableIsNotReadAgain) {
  const InstanceConfig config;
  auto fake = std::make_shared<FakeStatfs>();
  FilesystemInstances source(rows(), config, with(fake));
  if (!source.availability(kSize).available) GTEST_SKIP() << source.availability(kSize).reason;
  RecordingSink sink;
  for (int i = 0; i < 5; ++i) {
    sink.begin();
    source.refresh(sink);
  }
  // Read once at construction; procfs signals no change since (no mounts come and go here).
  EXPECT_EQ(source.mount_table_reads(), 1U);
}

// Present and value calls counted, nothing stored: the sink itself never allocates.
class CountingSink final : public InstanceSink {
 public:
  std::uint32_t present(std::string_view /*name*/, std::span<const LabelView> /*labels*/) override {
    return presents++;
  }
  [[nodiscard]] std::uint32_t find(std::string_view /*name*/) const override { return kNoRow; }
  [[nodiscard]] bool wants(std::uint16_t /*family*/) const override { return true; }
  void value(std::uint16_t /*family*/, std::uint32_t /*row*/, const Reading& /*r*/) override {
    ++values;
  }
  std::uint32_t presents = 0;
  std::uint32_t values = 0;
};

TEST(FilesystemInstancesHere, SteadyRefreshDoesNotAllocate) {
  if (!test::kCountsAllocations) GTEST_SKIP() << "no allocation counting under ThreadSanitizer";
  const InstanceConfig config;
  // The real statvfs: the fake allocates (its bookkeeping), and local mounts are asked on this
  // thread.
  FilesystemInstances source(rows(), config);
  if (!source.availability(kSize).available) GTEST_SKIP() << source.availability(kSize).reason;
  CountingSink warm;
  source.refresh(warm);
  CountingSink sink;
  std::size_t allocations = 0;
  {
    const test::AllocationCount count;
    for (int i = 0; i < 10; ++i) source.refresh(sink);
    allocations = count.count();
  }
  EXPECT_EQ(allocations, 0U);
  EXPECT_EQ(sink.presents, 10 * warm.presents);
}

// Points the tree's <proc>/1 at this process, so <proc>/1/mountinfo is procfs and shows this
// (private) mount namespace, and returns an empty directory of the tree to mount on.
std::filesystem::path point_into_own_namespace(FixtureTree& tree) {
  tree.remove("proc/1");
  std::filesystem::create_directory_symlink("/proc/" + std::to_string(::getpid()),
                                            tree.path("proc/1"));
  std::filesystem::path point = tree.path("scratch");
  std::filesystem::create_directories(point);
  return point;
}

// The kernel's change signal, for real: a tmpfs mounted in a private mount namespace shows up
// at the next refresh, through poll() on a procfs mountinfo. Needs CAP_SYS_ADMIN.
TEST(FilesystemInstancesHere, MountSignalledByProcfsPoll) {
  if (::unshare(CLONE_NEWNS) != 0) GTEST_SKIP() << "unshare(CLONE_NEWNS): " << errno_text(errno);
  ASSERT_EQ(::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr), 0);
  FixtureTree tree("filesystem_mounts");
  const std::filesystem::path point = point_into_own_namespace(tree);

  auto fake = std::make_shared<FakeStatfs>();
  FilesystemInstances source(rows(), tree.config(), with(fake));
  RecordingSink sink;
  sink.begin();
  source.refresh(sink);
  EXPECT_FALSE(sink.has(point.string()));
  const std::uint64_t reads = source.mount_table_reads();

  ASSERT_EQ(::mount("sysring-test", point.c_str(), "tmpfs", 0, "size=1m"), 0) << errno_text(errno);
  sink.begin();
  source.refresh(sink);
  const bool seen = sink.has(point.string());
  const std::uint64_t reads_after_mount = source.mount_table_reads();
  ASSERT_EQ(::umount(point.c_str()), 0);
  EXPECT_TRUE(seen);
  EXPECT_EQ(reads_after_mount, reads + 1);
  EXPECT_EQ(sink.present().at(point.string()).labels.at("device"), "sysring-test");

  sink.begin();
  source.refresh(sink);
  EXPECT_FALSE(sink.has(point.string()));
}

// A remount, for real: the kernel signals it on a procfs mountinfo like a mount, and the next
// refresh publishes the new flag, while statvfs in this (the reader's) namespace is not asked
// for it. Needs CAP_SYS_ADMIN.
TEST(FilesystemInstancesHere, RemountSignalledByProcfsPoll) {
  if (::unshare(CLONE_NEWNS) != 0) GTEST_SKIP() << "unshare(CLONE_NEWNS): " << errno_text(errno);
  ASSERT_EQ(::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr), 0);
  FixtureTree tree("filesystem_mounts");
  const std::filesystem::path point = point_into_own_namespace(tree);
  ASSERT_EQ(::mount("sysring-ro-test", point.c_str(), "tmpfs", 0, "size=1m"), 0)
      << errno_text(errno);
  struct Unmount {
    std::string path;
    ~Unmount() { ::umount(path.c_str()); }
  } unmount{point.string()};

  // The real statvfs: its ST_RDONLY would say the same here, so the fake proves the table is
  // what is read (it says rw throughout).
  auto fake = std::make_shared<FakeStatfs>();
  FilesystemInstances source(rows(), tree.config(), with(fake));
  RecordingSink sink;
  const auto readonly_after_refresh = [&] {
    sink.begin();
    source.refresh(sink);
    return ok_bits(sink, kReadonly, point.string());
  };
  EXPECT_EQ(readonly_after_refresh(), 0U);
  std::uint64_t reads = source.mount_table_reads();

  // Each kind of remount: the mount's flag (bind), then the superblock's.
  struct Step {
    unsigned long flags;
    std::uint64_t readonly;
  };
  for (const Step step : {Step{MS_REMOUNT | MS_BIND | MS_RDONLY, 1}, Step{MS_REMOUNT | MS_BIND, 0},
                          Step{MS_REMOUNT | MS_RDONLY, 1}, Step{MS_REMOUNT, 0}}) {
    ASSERT_EQ(::mount(nullptr, point.c_str(), nullptr, step.flags, nullptr), 0)
        << std::hex << step.flags << ": " << errno_text(errno);
    EXPECT_EQ(readonly_after_refresh(), step.readonly) << std::hex << step.flags;
    EXPECT_EQ(source.mount_table_reads(), reads + 1) << "the remount was not signalled";
    reads = source.mount_table_reads();
  }
  EXPECT_EQ(sink.present().at(point.string()).labels.at("device"), "sysring-ro-test");
}

}  // namespace
}  // namespace sysring::broker::linux_instances
