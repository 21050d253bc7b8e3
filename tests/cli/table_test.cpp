// Table widths: every column as wide as its widest cell, except that with a cap one overlong
// cell (a long string value) pushes only its own row right instead of padding every row.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "table.hpp"

namespace sysring::cli {
namespace {

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = text.find('\n', start);
    out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

const std::string kLong(200, 'x');

TEST(Table, WithoutACapTheWidestCellWidensItsColumn) {
  Table table({"NAME", "VALUE", "UNIT"});
  table.add_row({"mem.total", "1", "bytes"});
  table.add_row({"kern.version", kLong, "-"});
  const auto out = lines(table.render());
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[1], "mem.total     1" + std::string(199 + 2, ' ') + "bytes");
}

TEST(Table, WithACapALongCellPushesOnlyItsOwnRow) {
  Table table({"NAME", "VALUE", "UNIT"});
  table.set_width_cap(40);
  table.add_row({"mem.total", "25275990016 (23.5 GiB)", "bytes"});
  table.add_row({"kern.version", kLong, "-"});
  table.add_row({"mem.free", "7", "bytes"});
  const auto out = lines(table.render());
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0], "NAME          VALUE                   UNIT");
  EXPECT_EQ(out[1], "mem.total     25275990016 (23.5 GiB)  bytes");
  EXPECT_EQ(out[2], "kern.version  " + kLong + "  -");
  EXPECT_EQ(out[3], "mem.free      7                       bytes");
}

TEST(Table, ACellAtTheCapStillCountsAndHeadersAlwaysDo) {
  Table table({"A_VERY_LONG_HEADER", "B"});
  table.set_width_cap(4);
  table.add_row({"abcd", "1"});
  table.add_row({"abcdefgh", "2"});
  const auto out = lines(table.render());
  EXPECT_EQ(out[1], "abcd                1");
  EXPECT_EQ(out[2], "abcdefgh            2");
}

TEST(Table, RightAlignedOverflowHasNoPadding) {
  Table table;
  table.set_width_cap(3);
  table.align_right(0);
  table.add_row({"1", "a"});
  table.add_row({"123456", "b"});
  const auto out = lines(table.render());
  EXPECT_EQ(out[0], "1  a");
  EXPECT_EQ(out[1], "123456  b");
}

TEST(Table, NoTrailingBlanksAndAnIndent) {
  Table table;
  table.set_indent("  ");
  table.add_row({"a", "", ""});
  table.add_row({"bb", "c", ""});
  EXPECT_EQ(table.render(), "  a\n  bb  c\n");
}

}  // namespace
}  // namespace sysring::cli
