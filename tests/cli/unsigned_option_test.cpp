// tools/common/unsigned_option.hpp: the unsigned options of sysringd, sysring and
// sysring-exporter refuse a sign, any other non-digit and overflow instead of letting
// Boost.Program_options wrap "-1" into a huge number; valid values and defaults still parse.
#include "unsigned_option.hpp"

#include <gtest/gtest.h>

#include <boost/program_options.hpp>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace po = boost::program_options;
using sysring::options::parse_unsigned;
using sysring::options::unsigned_value;

TEST(UnsignedOption, ParsesWholeDecimalNumbers) {
  EXPECT_EQ(parse_unsigned<std::uint32_t>("0"), 0U);
  EXPECT_EQ(parse_unsigned<std::uint32_t>("1000"), 1000U);
  EXPECT_EQ(parse_unsigned<std::uint32_t>("007"), 7U);
  EXPECT_EQ(parse_unsigned<std::uint32_t>("4294967295"), 4294967295U);
  EXPECT_EQ(parse_unsigned<std::uint64_t>("18446744073709551615"), UINT64_MAX);
}

TEST(UnsignedOption, RefusesSignsOverflowAndTrailingText) {
  for (const char* text :
       {"", "-1", "-0", "+1", "-4294966296", " 1", "1 ", "12abc", "0x10", "1.5", "1e3", "abc"}) {
    EXPECT_FALSE(parse_unsigned<std::uint32_t>(text).has_value()) << "'" << text << "'";
    EXPECT_FALSE(parse_unsigned<std::uint64_t>(text).has_value()) << "'" << text << "'";
  }
  EXPECT_FALSE(parse_unsigned<std::uint32_t>("4294967296").has_value());
  EXPECT_FALSE(parse_unsigned<std::uint64_t>("18446744073709551616").has_value());
  EXPECT_FALSE(parse_unsigned<std::uint64_t>("99999999999999999999").has_value());
  EXPECT_FALSE(parse_unsigned<std::uint16_t>("65536").has_value());
}

// Parses `args` with one --tick-ms (uint32, default 1000) and one --max-ticks (uint64).
struct Parsed {
  std::uint32_t tick_ms = 0;
  std::uint64_t max_ticks = 7;
};

Parsed parse(std::vector<std::string> args) {
  Parsed p;
  po::options_description desc;
  desc.add_options()("tick-ms,t", unsigned_value(&p.tick_ms, std::uint32_t{1000}), "tick")(
      "max-ticks", unsigned_value(&p.max_ticks), "ticks");
  args.insert(args.begin(), "prog");
  std::vector<const char*> argv;
  argv.reserve(args.size());
  for (const std::string& a : args) argv.push_back(a.c_str());
  po::variables_map vm;
  po::store(po::command_line_parser(static_cast<int>(argv.size()), argv.data()).options(desc).run(),
            vm);
  po::notify(vm);
  return p;
}

std::string error_of(const std::vector<std::string>& args) {
  try {
    (void)parse(args);
  } catch (const po::validation_error& e) {
    return e.what();
  }
  return "no error";
}

TEST(UnsignedOption, StoresValuesAndDefaults) {
  EXPECT_EQ(parse({}).tick_ms, 1000U);
  EXPECT_EQ(parse({}).max_ticks, 7U);  // no default: untouched
  EXPECT_EQ(parse({"--tick-ms", "250"}).tick_ms, 250U);
  EXPECT_EQ(parse({"-t", "10"}).tick_ms, 10U);
  EXPECT_EQ(parse({"--max-ticks=18446744073709551615"}).max_ticks, UINT64_MAX);
}

TEST(UnsignedOption, ErrorNamesTheFlagAndTheValue) {
  // lexical_cast would have made this 1000 (it wraps modulo 2^32).
  EXPECT_EQ(error_of({"--tick-ms", "-4294966296"}),
            "the argument ('-4294966296') for option '--tick-ms' is invalid");
  EXPECT_EQ(error_of({"--max-ticks", "-1"}),
            "the argument ('-1') for option '--max-ticks' is invalid");
  EXPECT_EQ(error_of({"--max-ticks=99999999999999999999"}),
            "the argument ('99999999999999999999') for option '--max-ticks' is invalid");
  EXPECT_EQ(error_of({"--tick-ms", "12abc"}),
            "the argument ('12abc') for option '--tick-ms' is invalid");
  EXPECT_EQ(error_of({"--tick-ms", "4294967296"}),
            "the argument ('4294967296') for option '--tick-ms' is invalid");
}

TEST(UnsignedOption, HelpShowsTheDefaultAsANumber) {
  std::uint32_t tick = 0;
  po::options_description desc;
  desc.add_options()("tick-ms", unsigned_value(&tick, std::uint32_t{1000}), "tick");
  std::ostringstream help;
  help << desc;
  EXPECT_NE(help.str().find("arg (=1000)"), std::string::npos) << help.str();
}

}  // namespace
