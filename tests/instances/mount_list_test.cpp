// Which mounts the filesystem domain publishes: the top mount of each path, node_exporter's
// default exclusions, escapes decoded.
#include "sources/linux/mount_list.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "instances/instance_config.hpp"

namespace sysring::broker::linux_instances {
namespace {

std::string fixture_mountinfo() {
  std::ifstream in(std::filesystem::path(SYSRING_INSTANCE_FIXTURES) /
                   "filesystem_mounts/proc/1/mountinfo");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

MountFilter default_filter() {
  const InstanceConfig config;
  return {config.fs_types_exclude, config.mount_points_exclude};
}

std::vector<std::string> points(const std::vector<Mount>& mounts) {
  std::vector<std::string> out;
  for (const Mount& m : mounts) out.push_back(m.mount_point);
  return out;
}

TEST(VisibleMounts, DefaultExclusionsOnTheFixture) {
  const std::vector<Mount> mounts = visible_mounts(fixture_mountinfo(), default_filter());
  // proc, sysfs, devtmpfs, /dev/shm (under /dev), cgroup2, overlay and the malformed lines go;
  // tmpfs at /run and /run/user/1000 stays.
  EXPECT_EQ(points(mounts), (std::vector<std::string>{"/", "/run", "/home", "/mnt/my disk", "/srv",
                                                      "/mnt/nfs", "/run/user/1000"}));
}

TEST(VisibleMounts, LastMountOfAPathWins) {
  const std::vector<Mount> mounts = visible_mounts(fixture_mountinfo(), default_filter());
  const auto srv = std::find_if(mounts.begin(), mounts.end(),
                                [](const Mount& m) { return m.mount_point == "/srv"; });
  ASSERT_NE(srv, mounts.end());
  EXPECT_EQ(srv->device, "/dev/sdc1");
  EXPECT_EQ(srv->fstype, "xfs");
}

TEST(VisibleMounts, EscapesDecodedInPointAndDevice) {
  const std::vector<Mount> mounts = visible_mounts(fixture_mountinfo(), default_filter());
  const auto disk = std::find_if(mounts.begin(), mounts.end(),
                                 [](const Mount& m) { return m.mount_point == "/mnt/my disk"; });
  ASSERT_NE(disk, mounts.end());
  EXPECT_EQ(disk->device, "/dev/disk/by-label/my disk");
  EXPECT_EQ(disk->fstype, "ext4");
}

TEST(VisibleMounts, ReadonlyFromTheTopMountsOptions) {
  const std::vector<Mount> mounts = visible_mounts(fixture_mountinfo(), default_filter());
  std::vector<std::string> readonly;
  for (const Mount& m : mounts) {
    if (m.readonly) readonly.push_back(m.mount_point);
  }
  // /srv: an rw ext4 under a ro xfs; the xfs is the one a path lookup reaches.
  EXPECT_EQ(readonly, std::vector<std::string>{"/srv"});

  const std::string text =
      "22 1 254:1 / / rw,relatime - ext4 /dev/vda1 rw,errors=remount-ro\n"
      "23 22 254:2 / /usr ro,relatime - ext4 /dev/vda2 rw\n"
      "24 22 0:40 / /b rw,relatime - tmpfs t ro,size=1024k\n"
      "25 22 254:3 / /data ro - ext4 /dev/vda3 ro\n"
      "26 22 254:4 / /data rw - ext4 /dev/vda4 rw\n";  // over the ro one
  const std::vector<Mount> table = visible_mounts(text, default_filter());
  ASSERT_EQ(points(table), (std::vector<std::string>{"/", "/usr", "/b", "/data"}));
  EXPECT_FALSE(table[0].readonly);  // errors=remount-ro is no "ro"
  EXPECT_TRUE(table[1].readonly);   // per-mount ro
  EXPECT_TRUE(table[2].readonly);   // superblock ro
  EXPECT_FALSE(table[3].readonly);  // the top mount's word
}

TEST(VisibleMounts, ARemountIsAChangedMount) {
  const std::vector<Mount> rw =
      visible_mounts("23 22 254:2 / /home rw,relatime - ext4 /dev/vda2 rw\n", default_filter());
  const std::vector<Mount> ro =
      visible_mounts("23 22 254:2 / /home ro,relatime - ext4 /dev/vda2 rw\n", default_filter());
  ASSERT_EQ(rw.size(), 1U);
  ASSERT_EQ(ro.size(), 1U);
  EXPECT_NE(rw, ro);
}

TEST(VisibleMounts, ExclusionAppliesToTheTopMount) {
  // An overlay over an ext4 mount at one path: the path is the overlay's, and overlay is
  // excluded.
  const std::string text =
      "22 1 254:1 / /data rw - ext4 /dev/vda1 rw\n"
      "23 22 0:50 / /data rw - overlay overlay rw\n"
      "24 23 0:51 / /data rw - ext4 /dev/vdb1 rw\n"  // and back again
      "25 1 0:52 / /x rw - ext4 /dev/vdc1 rw\n"
      "26 25 0:53 / /x rw - overlay overlay rw\n";
  const std::vector<Mount> mounts = visible_mounts(text, default_filter());
  ASSERT_EQ(points(mounts), (std::vector<std::string>{"/data"}));
  EXPECT_EQ(mounts[0].device, "/dev/vdb1");
}

TEST(VisibleMounts, EmptyPatternsExcludeNothing) {
  const std::vector<Mount> mounts = visible_mounts(fixture_mountinfo(), MountFilter("", ""));
  EXPECT_EQ(mounts.size(), 13U);  // 14 valid lines, /srv mounted twice
}

TEST(VisibleMounts, PatternsAreSearched) {
  // Unanchored, as node_exporter matches: "tmp" finds tmpfs.
  const std::vector<Mount> mounts = visible_mounts(fixture_mountinfo(), MountFilter("tmp", "nfs"));
  for (const Mount& m : mounts) {
    EXPECT_NE(m.fstype, "tmpfs");
    EXPECT_NE(m.mount_point, "/mnt/nfs");
  }
}

TEST(MountFilterConfig, BadPatternThrowsOneLine) {
  try {
    const MountFilter filter("(unclosed", "");
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("fs_types_exclude"), std::string::npos) << what;
    EXPECT_NE(what.find("(unclosed"), std::string::npos) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
  }
  EXPECT_THROW(MountFilter("", "[a-"), std::invalid_argument);
}

}  // namespace
}  // namespace sysring::broker::linux_instances
