// The kept-open file: pread from offset 0, growth, errors, and a real seq_file short read.
#include "procfs_file.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <string>

#include "test_support.hpp"

namespace sysring::broker {
namespace {

using test::ProcTree;

TEST(ProcfsFile, MissingFileReportsTheOpenError) {
  ProcfsFile file("/nonexistent/sysring/file");
  EXPECT_FALSE(file.is_open());
  EXPECT_EQ(file.open_error(), ENOENT);
  EXPECT_EQ(file.refresh(), ENOENT);
  EXPECT_TRUE(file.contents().empty());
}

TEST(ProcfsFile, RereadsInPlaceChangesThroughTheSameFd) {
  ProcTree tree;
  ProcfsFile file(tree.root() + "/sys/kernel/hostname");
  ASSERT_TRUE(file.is_open());
  ASSERT_EQ(file.refresh(), 0);
  EXPECT_EQ(file.contents(), "fixture-host\n");
  tree.write("sys/kernel/hostname", "renamed\n");
  EXPECT_EQ(file.contents(), "fixture-host\n") << "no read without refresh()";
  ASSERT_EQ(file.refresh(), 0);
  EXPECT_EQ(file.contents(), "renamed\n");
  tree.write("sys/kernel/hostname", "");
  ASSERT_EQ(file.refresh(), 0);
  EXPECT_EQ(file.contents(), "");
}

TEST(ProcfsFile, GrowsOnlyWhenAReadFillsTheBuffer) {
  ProcTree tree;
  ProcfsFile file(tree.root() + "/vmstat");
  ASSERT_EQ(file.refresh(), 0);
  EXPECT_EQ(file.contents(), tree.read("vmstat"));
  const std::size_t steady = file.capacity();
  ASSERT_EQ(file.refresh(), 0);
  EXPECT_EQ(file.capacity(), steady) << "a steady refresh keeps its buffer";

  std::string big;
  for (int i = 0; big.size() < 100'000; ++i)
    big += "counter_" + std::to_string(i) + " " + std::to_string(i * 7) + "\n";
  tree.write("vmstat", big);
  ASSERT_EQ(file.refresh(), 0);
  EXPECT_EQ(file.contents(), big);
  EXPECT_GT(file.capacity(), big.size());

  // Exactly a power of two: the read fills the buffer and only the next read sees EOF.
  const std::string exact(file.capacity(), 'x');
  tree.write("vmstat", exact);
  ASSERT_EQ(file.refresh(), 0);
  EXPECT_EQ(file.contents().size(), exact.size());
}

TEST(ProcfsFile, AWholeFileLargerThanTheFirstBufferIsReadWhole) {
  ProcTree tree;
  std::string text;
  for (int i = 0; text.size() < 5 * ProcfsFile::kInitialCapacity; ++i)
    text += "Field" + std::to_string(i) + ":   " + std::to_string(i * 1024) + " kB\n";
  tree.write("meminfo", text);
  ProcfsFile file(tree.root() + "/meminfo", ProcfsFile::ReadMode::kWholeInOneRead);
  ASSERT_EQ(file.refresh(), 0);
  EXPECT_EQ(file.contents(), text) << "grown, then read again from offset 0";
  EXPECT_GT(file.capacity(), text.size());
  const std::size_t steady = file.capacity();
  ASSERT_EQ(file.refresh(), 0);
  EXPECT_EQ(file.contents(), text);
  EXPECT_EQ(file.capacity(), steady);
}

TEST(ProcfsFile, DirectoryOpensButCannotBeRead) {
  ProcTree tree;
  ProcfsFile file(tree.root() + "/sys");
  ASSERT_TRUE(file.is_open());
  EXPECT_EQ(file.refresh(), EISDIR);
  EXPECT_TRUE(file.contents().empty());
}

TEST(ProcfsFile, MovedFromIsClosedAndMovedToWorks) {
  ProcTree tree;
  ProcfsFile a(tree.root() + "/loadavg");
  ProcfsFile b(std::move(a));
  EXPECT_FALSE(a.is_open());  // NOLINT(bugprone-use-after-move,clang-analyzer-cplusplus.Move)
  ASSERT_EQ(b.refresh(), 0);
  EXPECT_EQ(b.contents(), "0.52 0.41 0.30 2/812 4242\n");
  ProcfsFile c;
  c = std::move(b);
  ASSERT_EQ(c.refresh(), 0);
  EXPECT_EQ(c.path(), tree.root() + "/loadavg");
}

// A seq_file returns a short read that is NOT the end of the file (it stops at its own page);
// /proc/crypto is one, larger than a page and stable. Stopping at the first short read would
// truncate it.
// Whole-in-one-read files still grow their buffer when a read fills it, and read everything.
TEST(ProcfsFile, WholeInOneReadModeStillReadsPastAFullBuffer) {
  ProcTree tree;
  ProcfsFile file(tree.root() + "/meminfo", ProcfsFile::ReadMode::kWholeInOneRead);
  ASSERT_EQ(file.refresh(), 0);
  EXPECT_EQ(file.contents(), tree.read("meminfo"));
  std::string big;
  for (int i = 0; big.size() < 50'000; ++i) big += "Key" + std::to_string(i) + ": 1 kB\n";
  tree.write("meminfo", big);
  ASSERT_EQ(file.refresh(), 0);
  EXPECT_EQ(file.contents(), big);
}

// The real single_open files answer whole in one read: the mode loses nothing on this kernel.
TEST(ProcfsFile, RealSingleShotFilesMatchAFullRead) {
  for (const char* path : {"/proc/meminfo", "/proc/stat", "/proc/net/snmp", "/proc/loadavg"}) {
    ProcfsFile whole(path, ProcfsFile::ReadMode::kWholeInOneRead);
    ProcfsFile until_eof(path);
    ASSERT_EQ(whole.refresh(), 0) << path;
    ASSERT_EQ(until_eof.refresh(), 0) << path;
    // Values may tick between the two reads; the line count and keys may not.
    EXPECT_EQ(std::count(whole.contents().begin(), whole.contents().end(), '\n'),
              std::count(until_eof.contents().begin(), until_eof.contents().end(), '\n'))
        << path;
  }
}

TEST(ProcfsFile, RealSeqFileShortReadIsNotEndOfFile) {
  const std::string path = "/proc/crypto";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " not present";
  std::ifstream in(path, std::ios::binary);
  const std::string expected{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (expected.size() <= 4096) GTEST_SKIP() << path << " fits one page here";
  ProcfsFile file(path);
  ASSERT_EQ(file.refresh(), 0);
  EXPECT_EQ(file.contents(), expected);
  ASSERT_EQ(file.refresh(), 0);
  EXPECT_EQ(file.contents(), expected) << "a second pread from offset 0 reads it all again";
}

}  // namespace
}  // namespace sysring::broker
