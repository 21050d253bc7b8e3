// The mountinfo line parser and its escape decoding, over byte strings.
#include "sources/linux/mountinfo_parser.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "sources/linux/mountinfo_file.hpp"

namespace sysring::broker::linux_instances {
namespace {

std::string decode(std::string_view raw) {
  std::vector<char> out(raw.size());
  return std::string(decode_mount_escapes(raw, out));
}

TEST(MountinfoLine, AllFieldsWithOptionalFields) {
  MountRecord m;
  ASSERT_TRUE(
      parse_mount_line("36 35 98:0 /mnt1 /mnt/parent rw,noatime master:1 shared:2 - ext3 /dev/root "
                       "rw,errors=continue",
                       m));
  EXPECT_EQ(m.mount_id, 36U);
  EXPECT_EQ(m.parent_id, 35U);
  EXPECT_EQ(m.root, "/mnt1");
  EXPECT_EQ(m.mount_point, "/mnt/parent");
  EXPECT_EQ(m.options, "rw,noatime");
  EXPECT_EQ(m.fstype, "ext3");
  EXPECT_EQ(m.source, "/dev/root");
  EXPECT_EQ(m.super_options, "rw,errors=continue");
}

TEST(MountinfoLine, NoOptionalFields) {
  MountRecord m;
  ASSERT_TRUE(parse_mount_line("22 1 254:1 / / rw,relatime - ext4 /dev/vda1 rw", m));
  EXPECT_EQ(m.mount_point, "/");
  EXPECT_EQ(m.fstype, "ext4");
  EXPECT_EQ(m.source, "/dev/vda1");
}

TEST(MountinfoLine, OneOptionalField) {
  MountRecord m;
  ASSERT_TRUE(parse_mount_line("29 22 254:2 / /home rw shared:7 - ext4 /dev/vda2 rw", m));
  EXPECT_EQ(m.mount_point, "/home");
  EXPECT_EQ(m.source, "/dev/vda2");
}

TEST(MountinfoLine, FstypeWithSubtypeAndNetworkSource) {
  MountRecord m;
  ASSERT_TRUE(parse_mount_line("40 22 0:50 / /mnt/s rw - fuse.sshfs me@host:/home rw", m));
  EXPECT_EQ(m.fstype, "fuse.sshfs");
  EXPECT_EQ(m.source, "me@host:/home");
}

TEST(MountinfoLine, MissingSuperOptionsIsAccepted) {
  MountRecord m;
  ASSERT_TRUE(parse_mount_line("22 1 254:1 / / rw - ext4 /dev/vda1", m));
  EXPECT_EQ(m.super_options, "");
}

TEST(MountinfoLine, MalformedLinesAreRefused) {
  MountRecord m;
  for (const std::string_view line : {
           "", "garbage",
           "22 1 254:1 / / rw ext4 /dev/vda1 rw",        // no separator
           "22 1 254:1 / / rw shared:1 ext4 /dev/vda1",  // no separator, optional field
           "22 1 254:1 / / rw -",                        // nothing after the separator
           "22 1 254:1 / / rw - ext4",                   // no source
           "22 1 254:1 / / - ext4 /dev/vda1 rw",         // the separator where options belong
           "x 1 254:1 / / rw - ext4 /dev/vda1 rw",       // mount id not a number
           "22 -1 254:1 / / rw - ext4 /dev/vda1 rw",     // parent id not a u64
           "22 1 254 / / rw - ext4 /dev/vda1 rw",        // no major:minor
           "22 1 254:1 /",                               // truncated
       }) {
    EXPECT_FALSE(parse_mount_line(line, m)) << line;
  }
}

TEST(MountinfoLine, SeparatorIsAWholeToken) {
  // "-" inside an optional field or option is no separator.
  MountRecord m;
  ASSERT_TRUE(parse_mount_line("22 1 254:1 / /a-b rw,x-gvfs shared:1 - ext4 /dev/a-b rw", m));
  EXPECT_EQ(m.mount_point, "/a-b");
  EXPECT_EQ(m.source, "/dev/a-b");
}

// Read-only is "ro" as a whole option, in the per-mount options (field 6) or the superblock's.
bool readonly_line(std::string_view line) {
  MountRecord m;
  EXPECT_TRUE(parse_mount_line(line, m)) << line;
  return mount_is_readonly(m);
}

TEST(MountReadonly, PerMountRoAndRw) {
  EXPECT_TRUE(readonly_line("32 31 8:33 / /srv ro,relatime shared:9 - xfs /dev/sdc1 ro,attr2"));
  EXPECT_FALSE(readonly_line("22 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw"));
  // A read-only bind remount (systemd's ProtectSystem=): the mount is ro, the superblock rw.
  EXPECT_TRUE(readonly_line("40 22 254:1 / /usr ro,nosuid,relatime - ext4 /dev/vda1 rw"));
}

TEST(MountReadonly, SuperblockRoUnderARwMount) {
  // `mount -o remount,ro` of one bind of a filesystem, seen through another; or ext4 after
  // errors=remount-ro tripped: /proc/mounts says ro, statvfs says ST_RDONLY, and so do we.
  EXPECT_TRUE(readonly_line("67 46 0:40 / /b rw,relatime - tmpfs t ro,size=1024k"));
  EXPECT_TRUE(readonly_line("22 1 254:1 / / rw,relatime - ext4 /dev/vda1 ro,errors=remount-ro"));
}

TEST(MountReadonly, RemountRoOptionIsNotReadOnly) {
  // "errors=remount-ro" says what to do on an error, not that the filesystem is read-only.
  EXPECT_FALSE(readonly_line("22 1 254:1 / / rw,relatime - ext4 /dev/vda1 rw,errors=remount-ro"));
  EXPECT_FALSE(readonly_line("22 1 254:1 / / rw,x-ro,nro - ext4 /dev/vda1 rw,rox,ro=1"));
  // No superblock options at all.
  EXPECT_FALSE(readonly_line("22 1 254:1 / / rw - ext4 /dev/vda1"));
}

TEST(MountOption, WholeEntriesAnywhereInTheList) {
  EXPECT_TRUE(has_mount_option("ro", "ro"));
  EXPECT_TRUE(has_mount_option("ro,relatime", "ro"));
  EXPECT_TRUE(has_mount_option("relatime,ro", "ro"));  // node_exporter looks at every entry
  EXPECT_TRUE(has_mount_option("nosuid,ro,nodev", "ro"));
  EXPECT_FALSE(has_mount_option("rw,errors=remount-ro", "ro"));
  EXPECT_FALSE(has_mount_option("rw,relatime", "ro"));
  EXPECT_FALSE(has_mount_option("", "ro"));
  EXPECT_FALSE(has_mount_option("r,o", "ro"));
  EXPECT_FALSE(has_mount_option("rox,xro", "ro"));
}

TEST(MountinfoReader, SkipsMalformedLinesAndKeepsOrder) {
  const std::string_view text =
      "22 1 254:1 / / rw - ext4 /dev/vda1 rw\n"
      "not a mount\n"
      "\n"
      "23 22 0:21 / /proc rw - proc proc rw\n"
      "24 22 0:22 / /half rw shared:1\n"
      "25 22 0:23 / /last rw - tmpfs tmpfs rw";  // no final newline
  MountinfoReader reader(text);
  MountRecord m;
  std::vector<std::string> points;
  while (reader.next(m)) points.emplace_back(m.mount_point);
  EXPECT_EQ(points, (std::vector<std::string>{"/", "/proc", "/last"}));
}

TEST(MountEscapes, DecodesTheKernelsOctalEscapes) {
  EXPECT_EQ(decode("/mnt/my\\040disk"), "/mnt/my disk");
  EXPECT_EQ(decode("/a\\011tab"), "/a\ttab");
  EXPECT_EQ(decode("/a\\012nl"), "/a\nnl");
  EXPECT_EQ(decode("/back\\134slash"), "/back\\slash");
  EXPECT_EQ(decode("\\040\\040"), "  ");
  EXPECT_EQ(decode("/plain"), "/plain");
  EXPECT_EQ(decode(""), "");
}

TEST(MountEscapes, KeepsWhatIsNotAnEscape) {
  EXPECT_EQ(decode("/a\\04"), "/a\\04");      // too short
  EXPECT_EQ(decode("/a\\"), "/a\\");          // trailing backslash
  EXPECT_EQ(decode("/a\\400b"), "/a\\400b");  // over one byte
  EXPECT_EQ(decode("/a\\08x"), "/a\\08x");    // 8 is no octal digit
  EXPECT_EQ(decode("/a\\x41"), "/a\\x41");
}

TEST(MountEscapes, ShortBufferTruncates) {
  std::array<char, 4> out{};
  EXPECT_EQ(decode_mount_escapes("/mnt/my\\040disk", out), "/mnt");
  EXPECT_EQ(decode_mount_escapes("/mnt", std::span<char>{}), "");
}

TEST(Cgroup2Mount, FirstCgroup2MountDecoded) {
  EXPECT_EQ(find_cgroup2_mount("31 23 0:28 / /sys/fs/cgroup rw - tmpfs tmpfs rw\n"
                               "32 31 0:29 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n"
                               "41 31 0:38 / /sys/fs/cgroup/my\\040v2 rw - cgroup2 cgroup2 rw\n"
                               "42 31 0:39 / /other rw - cgroup2 cgroup2 rw\n"),
            "/sys/fs/cgroup/my v2");
  EXPECT_EQ(find_cgroup2_mount("32 31 0:29 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n"), "");
  EXPECT_EQ(find_cgroup2_mount(""), "");
}

}  // namespace
}  // namespace sysring::broker::linux_instances
