// os-release(5) parsing: quoting, escapes, comments, repeated keys.
#include "os_release_parser.hpp"

#include <gtest/gtest.h>

namespace sysring::broker {
namespace {

TEST(OsRelease, QuotesAreStrippedAndEscapesUndone) {
  EXPECT_EQ(unquote_shell_value(R"x("Debian GNU/Linux 12 (bookworm)")x"),
            "Debian GNU/Linux 12 (bookworm)");
  EXPECT_EQ(unquote_shell_value("bookworm"), "bookworm");
  EXPECT_EQ(unquote_shell_value(R"('single \ quoted')"), R"(single \ quoted)");
  EXPECT_EQ(unquote_shell_value(R"("a \"b\" \$c \\ \`d\` \n")"), R"(a "b" $c \ `d` \n)");
  EXPECT_EQ(unquote_shell_value(R"(un\ quoted\")"), R"(un quoted")");
  EXPECT_EQ(unquote_shell_value(R"("joined"'parts')"), "joinedparts");
  EXPECT_EQ(unquote_shell_value(R"("")"), "");
  EXPECT_EQ(unquote_shell_value("  padded  "), "padded");
  EXPECT_EQ(unquote_shell_value(R"("unterminated)"), "unterminated");  // taken as written
}

TEST(OsRelease, LinesBecomeEntriesAndALaterKeyWins) {
  const auto entries = parse_os_release(
      "# comment\n"
      "\n"
      "NAME=\"Fixture Linux\"\n"
      "  ID=fixture  \n"
      "not an assignment\n"
      "=no key\n"
      "VERSION_ID=\"1\"\n"
      "VERSION_ID=\"2\"\n"
      "EMPTY=\n");
  ASSERT_EQ(entries.size(), 4U);
  EXPECT_EQ(entries[0].key, "NAME");
  EXPECT_EQ(entries[0].value, "Fixture Linux");
  EXPECT_EQ(entries[1].key, "ID");
  EXPECT_EQ(entries[1].value, "fixture");
  EXPECT_EQ(entries[2].key, "VERSION_ID");
  EXPECT_EQ(entries[2].value, "2");
  EXPECT_EQ(entries[3].key, "EMPTY");
  EXPECT_EQ(entries[3].value, "");
  EXPECT_TRUE(parse_os_release("").empty());
}

}  // namespace
}  // namespace sysring::broker
