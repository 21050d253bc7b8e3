// The procfs parsers over byte fixtures: well-formed, truncated and malformed input.
#include "procfs_parsers.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace sysring::broker::procfs {
namespace {

using schema::ValueType;

struct Rec {
  std::string group, key, fields;
  bool operator==(const Rec&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Rec& r) {
  return os << "{" << r.group << "|" << r.key << "|" << r.fields << "}";
}

std::vector<Rec> records(Format format, std::string_view text) {
  std::vector<Rec> out;
  RecordReader reader(format, text);
  Record r;
  while (reader.next(r))
    out.push_back({std::string(r.group), std::string(r.key), std::string(r.fields)});
  return out;
}

// ---- Primitives ----

TEST(ParseNumbers, U64AcceptsOnlyWholeUnsignedDecimalTokens) {
  std::uint64_t v = 7;
  EXPECT_EQ(parse_u64("0", v), DecodeStatus::kOk);
  EXPECT_EQ(v, 0U);
  EXPECT_EQ(parse_u64("18446744073709551615", v), DecodeStatus::kOk);
  EXPECT_EQ(v, std::numeric_limits<std::uint64_t>::max());
  v = 7;
  EXPECT_EQ(parse_u64("18446744073709551616", v), DecodeStatus::kOutOfRange);
  EXPECT_EQ(parse_u64("99999999999999999999999", v), DecodeStatus::kOutOfRange);
  for (const char* bad : {"", "-1", "+1", " 1", "1 ", "12abc", "0x10", "1.5", "kB"}) {
    EXPECT_EQ(parse_u64(bad, v), DecodeStatus::kMalformed) << "'" << bad << "'";
  }
  EXPECT_EQ(v, 7U) << "a failed parse must not touch the output";
}

TEST(ParseNumbers, I64HandlesNegativesAndBothLimits) {
  std::int64_t v = 0;
  EXPECT_EQ(parse_i64("-1", v), DecodeStatus::kOk);
  EXPECT_EQ(v, -1);
  EXPECT_EQ(parse_i64("-9223372036854775808", v), DecodeStatus::kOk);
  EXPECT_EQ(v, std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(parse_i64("9223372036854775807", v), DecodeStatus::kOk);
  EXPECT_EQ(v, std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(parse_i64("9223372036854775808", v), DecodeStatus::kOutOfRange);
  EXPECT_EQ(parse_i64("-9223372036854775809", v), DecodeStatus::kOutOfRange);
  for (const char* bad : {"", "--1", "-", "+5", "1-", "5x"}) {
    EXPECT_EQ(parse_i64(bad, v), DecodeStatus::kMalformed) << "'" << bad << "'";
  }
}

TEST(ParseNumbers, F64IsFiniteDecimal) {
  double v = 0;
  EXPECT_EQ(parse_f64("0.52", v), DecodeStatus::kOk);
  EXPECT_EQ(v, 0.52);
  EXPECT_EQ(parse_f64("12", v), DecodeStatus::kOk);
  EXPECT_EQ(v, 12.0);
  EXPECT_EQ(parse_f64("1e999", v), DecodeStatus::kOutOfRange);
  for (const char* bad : {"", "nan", "inf", "-inf", "abc", "1.5x", "0.5 ", "+1.0"}) {
    EXPECT_EQ(parse_f64(bad, v), DecodeStatus::kMalformed) << "'" << bad << "'";
  }
}

TEST(Tokens, LinesTokensAndTrim) {
  std::string_view rest = "a b\n\nlast";
  EXPECT_EQ(next_line(rest), "a b");
  EXPECT_EQ(next_line(rest), "");
  EXPECT_EQ(next_line(rest), "last");
  EXPECT_TRUE(rest.empty());
  EXPECT_EQ(next_line(rest), "");

  rest = "  344\t0 \t 2466167\n";
  EXPECT_EQ(next_token(rest), "344");
  EXPECT_EQ(next_token(rest), "0");
  EXPECT_EQ(next_token(rest), "2466167");
  EXPECT_EQ(next_token(rest), "");
  EXPECT_TRUE(rest.empty());

  EXPECT_EQ(nth_token("a b c", 0), "a");
  EXPECT_EQ(nth_token("a b c", 2), "c");
  EXPECT_EQ(nth_token("a b c", 3), "");
  EXPECT_EQ(nth_token("", 0), "");
  EXPECT_EQ(trim(" \t x y \n"), "x y");
  EXPECT_EQ(trim(" \n "), "");
}

// ---- /proc/meminfo ----

constexpr std::string_view kMeminfo =
    "MemTotal:       24683620 kB\n"
    "MemFree:        24227116 kB\n"
    "Active(anon):       1512 kB\n"
    "HugePages_Total:      16\n"
    "Hugepagesize:       2048 kB\n";

TEST(Meminfo, RecordsSplitAtTheColon) {
  const std::vector<Rec> want = {{"", "MemTotal", "24683620 kB"},
                                 {"", "MemFree", "24227116 kB"},
                                 {"", "Active(anon)", "1512 kB"},
                                 {"", "HugePages_Total", "16"},
                                 {"", "Hugepagesize", "2048 kB"}};
  EXPECT_EQ(records(Format::kMeminfo, kMeminfo), want);
}

TEST(Meminfo, KilobytesBecomeBytesAndBareNumbersStayCounts) {
  Decoded d = decode(Format::kMeminfo, "24683620 kB", kWholeField, ValueType::U64);
  EXPECT_EQ(d.status, DecodeStatus::kOk);
  EXPECT_EQ(d.bits, 24683620ULL * 1024);
  d = decode(Format::kMeminfo, "16", kWholeField, ValueType::U64);
  EXPECT_EQ(d.status, DecodeStatus::kOk);
  EXPECT_EQ(d.bits, 16U);
}

TEST(Meminfo, UnitOverflowIsAnErrorNotAWrap) {
  // 2^54 kB is 2^64 bytes: one more than a u64 holds.
  EXPECT_EQ(decode(Format::kMeminfo, "18014398509481984 kB", kWholeField, ValueType::U64).status,
            DecodeStatus::kOutOfRange);
  const Decoded d = decode(Format::kMeminfo, "18014398509481983 kB", kWholeField, ValueType::U64);
  EXPECT_EQ(d.status, DecodeStatus::kOk);
  EXPECT_EQ(d.bits, 18014398509481983ULL * 1024);
}

TEST(Meminfo, UnknownUnitEmptyValueAndGarbageAreErrors) {
  Decoded d = decode(Format::kMeminfo, "5 MB", kWholeField, ValueType::U64);
  EXPECT_EQ(d.status, DecodeStatus::kMalformed);
  EXPECT_EQ(d.text, "MB");
  EXPECT_EQ(decode(Format::kMeminfo, "", kWholeField, ValueType::U64).status,
            DecodeStatus::kNoField);
  EXPECT_EQ(decode(Format::kMeminfo, "12x kB", kWholeField, ValueType::U64).status,
            DecodeStatus::kMalformed);
  EXPECT_EQ(decode(Format::kMeminfo, "-12 kB", kWholeField, ValueType::U64).status,
            DecodeStatus::kMalformed);
}

TEST(Meminfo, TruncatedAndMalformedLines) {
  // A line without a colon is skipped; a truncated last line still yields what it has.
  const std::vector<Rec> want = {
      {"", "MemTotal", "100 kB"}, {"", "MemFree", ""}, {"", "Buffers", "12"}};
  EXPECT_EQ(
      records(Format::kMeminfo, "MemTotal: 100 kB\ngarbage line\n: 5 kB\nMemFree:\nBuffers:  12"),
      want);
  EXPECT_TRUE(records(Format::kMeminfo, "").empty());
  EXPECT_TRUE(records(Format::kMeminfo, "\n\n").empty());
}

// ---- /proc/vmstat and /proc/stat ----

TEST(KeyValue, VmstatAndStatLines) {
  const std::vector<Rec> want = {{"", "nr_free_pages", "957447"},
                                 {"", "cpu", "4926 0 3148 171851 335 0 142 0 0 0"},
                                 {"", "cpu0", "2295 0 1444"},
                                 {"", "intr", "155089 0 0 1"},
                                 {"", "pgfault", ""}};
  EXPECT_EQ(records(Format::kKeyValue,
                    "nr_free_pages 957447\n"
                    "cpu  4926 0 3148 171851 335 0 142 0 0 0\n"
                    "cpu0 2295 0 1444\n"
                    "\n"
                    "intr 155089 0 0 1\n"
                    "pgfault"),
            want);
}

TEST(KeyValue, FieldIndexPicksTheColumn) {
  constexpr std::string_view cpu = "4926 0 3148 171851 335 0 142 7 0 0";
  Decoded d = decode(Format::kKeyValue, cpu, 3, ValueType::U64);
  EXPECT_EQ(d.status, DecodeStatus::kOk);
  EXPECT_EQ(d.bits, 171851U);
  d = decode(Format::kKeyValue, cpu, 7, ValueType::U64);
  EXPECT_EQ(d.bits, 7U);
  d = decode(Format::kKeyValue, cpu, kWholeField, ValueType::U64);  // "stat:intr": the total
  EXPECT_EQ(d.bits, 4926U);
  EXPECT_EQ(decode(Format::kKeyValue, cpu, 10, ValueType::U64).status, DecodeStatus::kNoField);
  EXPECT_EQ(decode(Format::kKeyValue, "", kWholeField, ValueType::U64).status,
            DecodeStatus::kNoField);
}

TEST(KeyValue, HugeCounterOverflowIsAnError) {
  EXPECT_EQ(decode(Format::kKeyValue, "18446744073709551615", 0, ValueType::U64).bits,
            std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(decode(Format::kKeyValue, "18446744073709551616", 0, ValueType::U64).status,
            DecodeStatus::kOutOfRange);
}

// ---- /proc/net/snmp ----

constexpr std::string_view kSnmp =
    "Ip: Forwarding DefaultTTL InReceives\n"
    "Ip: 2 64 786\n"
    "Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens\n"
    "Tcp: 1 200 120000 -1 12\n"
    "Udp: InDatagrams NoPorts\n"
    "Udp: 23 0\n";

TEST(Snmp, NamesPairWithValuesPerProtocol) {
  const std::vector<Rec> want = {{"Ip", "Forwarding", "2"},    {"Ip", "DefaultTTL", "64"},
                                 {"Ip", "InReceives", "786"},  {"Tcp", "RtoAlgorithm", "1"},
                                 {"Tcp", "RtoMin", "200"},     {"Tcp", "RtoMax", "120000"},
                                 {"Tcp", "MaxConn", "-1"},     {"Tcp", "ActiveOpens", "12"},
                                 {"Udp", "InDatagrams", "23"}, {"Udp", "NoPorts", "0"}};
  EXPECT_EQ(records(Format::kSnmp, kSnmp), want);
}

TEST(Snmp, NegativeMaxConnIsAnI64AndNotAU64) {
  Decoded d = decode(Format::kSnmp, "-1", kWholeField, ValueType::I64);
  EXPECT_EQ(d.status, DecodeStatus::kOk);
  EXPECT_EQ(d.bits, 0xFFFFFFFFFFFFFFFFULL);
  EXPECT_EQ(static_cast<std::int64_t>(d.bits), -1);
  EXPECT_EQ(decode(Format::kSnmp, "-1", kWholeField, ValueType::U64).status,
            DecodeStatus::kMalformed);
}

TEST(Snmp, ShortValueLineLeavesTheRestMissing) {
  const std::vector<Rec> want = {{"Tcp", "A", "1"}, {"Udp", "X", "5"}};
  EXPECT_EQ(records(Format::kSnmp, "Tcp: A B C\nTcp: 1\nUdp: X\nUdp: 5\n"), want);
}

TEST(Snmp, ResynchronisesAfterAnOrphanHeader) {
  // The Ip value line is missing: Ip yields nothing, Tcp still pairs correctly.
  const std::vector<Rec> want = {{"Tcp", "A", "1"}, {"Tcp", "B", "2"}};
  EXPECT_EQ(records(Format::kSnmp, "Ip: Forwarding\nTcp: A B\nTcp: 1 2\n"), want);
}

TEST(Snmp, TruncatedFiles) {
  EXPECT_TRUE(records(Format::kSnmp, "Tcp: A B\n").empty());
  EXPECT_TRUE(records(Format::kSnmp, "Tcp: A B").empty());
  EXPECT_TRUE(records(Format::kSnmp, "").empty());
  const std::vector<Rec> want = {{"Tcp", "A", "1"}};
  EXPECT_EQ(records(Format::kSnmp, "Tcp: A B\nTcp: 1"), want);
  EXPECT_TRUE(records(Format::kSnmp, "Tcp A B\nTcp 1 2\n").empty()) << "no protocol tag";
  EXPECT_TRUE(records(Format::kSnmp, "Tcp: A\nUdp: 1\n").empty()) << "tags differ";
}

TEST(Snmp, NetstatHasTheSameLayout) {
  // /proc/net/netstat: long TcpExt and IpExt lines, parsed by the same reader.
  const std::vector<Rec> want = {{"TcpExt", "SyncookiesSent", "3"},
                                 {"TcpExt", "ListenOverflows", "17"},
                                 {"IpExt", "InOctets", "18699353"},
                                 {"IpExt", "OutOctets", "43424"}};
  EXPECT_EQ(records(Format::kSnmp,
                    "TcpExt: SyncookiesSent ListenOverflows\nTcpExt: 3 17\n"
                    "IpExt: InOctets OutOctets\nIpExt: 18699353 43424\n"),
            want);
}

// ---- /proc/pressure/* ----

constexpr std::string_view kPressure =
    "some avg10=1.25 avg60=0.50 avg300=0.07 total=123456\n"
    "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n";

TEST(Pressure, EachLineGivesFourNamedRecords) {
  const std::vector<Rec> want = {{"some", "avg10", "1.25"},  {"some", "avg60", "0.50"},
                                 {"some", "avg300", "0.07"}, {"some", "total", "123456"},
                                 {"full", "avg10", "0.00"},  {"full", "avg60", "0.00"},
                                 {"full", "avg300", "0.00"}, {"full", "total", "0"}};
  EXPECT_EQ(records(Format::kPressure, kPressure), want);
}

TEST(Pressure, AveragesArePercentDoublesAndTotalIsMicroseconds) {
  Decoded d = decode(Format::kPressure, "1.25", kWholeField, ValueType::F64);
  EXPECT_EQ(d.status, DecodeStatus::kOk);
  EXPECT_EQ(d.bits, std::bit_cast<std::uint64_t>(1.25));
  d = decode(Format::kPressure, "123456", kWholeField, ValueType::U64);
  EXPECT_EQ(d.status, DecodeStatus::kOk);
  EXPECT_EQ(d.bits, 123456U);
  EXPECT_EQ(decode(Format::kPressure, "1.25", kWholeField, ValueType::U64).status,
            DecodeStatus::kMalformed);
}

TEST(Pressure, TruncatedAndMalformedLines) {
  // Older kernels have no "full" line for cpu; a cut-off file keeps what was complete.
  const std::vector<Rec> some_only = {{"some", "avg10", "1.25"}, {"some", "avg60", "0.50"}};
  EXPECT_EQ(records(Format::kPressure, "some avg10=1.25 avg60=0.50"), some_only);
  EXPECT_TRUE(records(Format::kPressure, "").empty());
  EXPECT_TRUE(records(Format::kPressure, "\n\n").empty());
  // Tokens without '=' or with an empty name are skipped; an empty value is kept (and then
  // fails to decode rather than reading as zero).
  const std::vector<Rec> want = {{"some", "avg10", ""}, {"full", "total", "7"}};
  EXPECT_EQ(records(Format::kPressure, "some junk =1 avg10=\nfull total=7\n"), want);
  EXPECT_EQ(decode(Format::kPressure, "", kWholeField, ValueType::F64).status,
            DecodeStatus::kNoField);
}

// ---- /proc/net/sockstat ----

TEST(Sockstat, EachLineGivesNamedRecordsOfItsProtocol) {
  const std::vector<Rec> want = {{"sockets", "used", "9"}, {"TCP", "inuse", "3"},
                                 {"TCP", "orphan", "0"},   {"TCP", "tw", "2"},
                                 {"UDP", "inuse", "4"},    {"FRAG", "memory", "0"}};
  EXPECT_EQ(records(Format::kSockstat,
                    "sockets: used 9\nTCP: inuse 3 orphan 0 tw 2\nUDP: inuse 4\nRAW:\n"
                    "FRAG: memory 0\n"),
            want);
  // A name without a value (a cut-off line) is dropped, not read as zero.
  const std::vector<Rec> cut = {{"TCP", "inuse", "3"}};
  EXPECT_EQ(records(Format::kSockstat, "TCP: inuse 3 orphan"), cut);
  EXPECT_TRUE(records(Format::kSockstat, "").empty());
}

// ---- /proc/net/snmp6 ----

TEST(Snmp6, NamesSplitAfterTheirFirstSixAsNodeExporterDoes) {
  const std::vector<Rec> want = {{"Ip6", "InOctets", "1234"},
                                 {"Icmp6", "InMsgs", "5"},
                                 {"Icmp6", "OutType133", "2"},
                                 {"Udp6", "NoPorts", "0"},
                                 {"UdpLite6", "InErrors", "7"}};
  EXPECT_EQ(records(Format::kSnmp6,
                    "Ip6InOctets                     \t1234\n"
                    "Icmp6InMsgs 5\nIcmp6OutType133 2\n"
                    "Udp6NoPorts  0\nUdpLite6InErrors 7\n"),
            want);
  // A name without a '6', or with nothing after it, is no counter; a name without a value has
  // empty fields, which decode reports as kNoField.
  const std::vector<Rec> odd = {{"Ip6", "InDelivers", ""}};
  EXPECT_EQ(records(Format::kSnmp6, "Ip4Foo 3\nIp6 4\n\nIp6InDelivers\n"), odd);
  EXPECT_EQ(decode(Format::kSnmp6, "", kWholeField, ValueType::U64).status, DecodeStatus::kNoField);
}

// ---- sysfs sizes and CPU lists ----

TEST(Sysfs, SizesWithSuffixesBecomeBytes) {
  std::uint64_t v = 0;
  EXPECT_EQ(parse_size("32K", v), DecodeStatus::kOk);
  EXPECT_EQ(v, 32U * 1024);
  EXPECT_EQ(parse_size("8M", v), DecodeStatus::kOk);
  EXPECT_EQ(v, 8U << 20);
  EXPECT_EQ(parse_size("1G", v), DecodeStatus::kOk);
  EXPECT_EQ(v, 1U << 30);
  EXPECT_EQ(parse_size("512", v), DecodeStatus::kOk);
  EXPECT_EQ(v, 512U);
  for (const char* bad : {"", "K", "32k", "32KB", "-1K", " 32K", "3.5M"}) {
    EXPECT_EQ(parse_size(bad, v), DecodeStatus::kMalformed) << "'" << bad << "'";
  }
  EXPECT_EQ(parse_size("18446744073709551615K", v), DecodeStatus::kOutOfRange);
  const Decoded d = decode(Format::kSize, "32K", kWholeField, ValueType::U64);
  EXPECT_EQ(d.status, DecodeStatus::kOk);
  EXPECT_EQ(d.bits, 32768U);
  EXPECT_EQ(decode(Format::kSize, "32K", kWholeField, ValueType::I64).status,
            DecodeStatus::kMalformed);
  EXPECT_EQ(decode(Format::kSize, "", kWholeField, ValueType::U64).status, DecodeStatus::kNoField);
}

TEST(Sysfs, CpuListsAreCounted) {
  std::uint64_t v = 99;
  EXPECT_EQ(parse_cpu_list("0-1", v), DecodeStatus::kOk);
  EXPECT_EQ(v, 2U);
  EXPECT_EQ(parse_cpu_list("0-3,8,10-11\n", v), DecodeStatus::kOk);
  EXPECT_EQ(v, 7U);
  EXPECT_EQ(parse_cpu_list("5", v), DecodeStatus::kOk);
  EXPECT_EQ(v, 1U);
  EXPECT_EQ(parse_cpu_list("\n", v), DecodeStatus::kOk) << "sysfs 'offline' with none offline";
  EXPECT_EQ(v, 0U);
  for (const char* bad : {"3-1", "0-", "-1", "0,", ",0", "0,,1", "a", "0-1 2", "1-2-3"}) {
    EXPECT_NE(parse_cpu_list(bad, v), DecodeStatus::kOk) << "'" << bad << "'";
  }
  // The whole file is the value: records come from the kWhole reader.
  const std::vector<Rec> want = {{"", "", "0-1"}};
  EXPECT_EQ(records(Format::kCpuList, "0-1\n"), want);
  const Decoded d = decode(Format::kCpuList, "0-1", kWholeField, ValueType::U64);
  EXPECT_EQ(d.status, DecodeStatus::kOk);
  EXPECT_EQ(d.bits, 2U);
  EXPECT_EQ(decode(Format::kCpuList, "0-1", kWholeField, ValueType::F64).status,
            DecodeStatus::kMalformed);
}

// ---- /proc/loadavg ----

TEST(Loadavg, SixNamedFields) {
  const std::vector<Rec> want = {{"", "0", "0.52"},    {"", "1", "0.41"},
                                 {"", "2", "0.30"},    {"", "running", "2"},
                                 {"", "total", "812"}, {"", "last_pid", "4242"}};
  EXPECT_EQ(records(Format::kLoadavg, "0.52 0.41 0.30 2/812 4242\n"), want);
}

TEST(Loadavg, AveragesAreDoubleBitPatterns) {
  const Decoded d = decode(Format::kLoadavg, "0.52", kWholeField, ValueType::F64);
  EXPECT_EQ(d.status, DecodeStatus::kOk);
  EXPECT_EQ(d.bits, std::bit_cast<std::uint64_t>(0.52));
  EXPECT_EQ(std::bit_cast<double>(d.bits), 0.52);
  EXPECT_EQ(decode(Format::kLoadavg, "0.52", kWholeField, ValueType::U64).status,
            DecodeStatus::kMalformed)
      << "a fraction is not a u64";
}

TEST(Loadavg, TruncatedOrMalformed) {
  const std::vector<Rec> two = {{"", "0", "0.52"}, {"", "1", "0.41"}};
  EXPECT_EQ(records(Format::kLoadavg, "0.52 0.41"), two);
  const std::vector<Rec> no_slash = {
      {"", "0", "0.52"}, {"", "1", "0.41"}, {"", "2", "0.30"}, {"", "last_pid", "4242"}};
  EXPECT_EQ(records(Format::kLoadavg, "0.52 0.41 0.30 2812 4242\n"), no_slash);
  EXPECT_TRUE(records(Format::kLoadavg, "").empty());
}

// ---- /proc/sys (whole file) ----

TEST(Whole, StringsLoseOneTrailingNewline) {
  const auto text = [](std::string_view bytes) {
    RecordReader reader(Format::kWhole, bytes);
    Record r;
    EXPECT_TRUE(reader.next(r));
    EXPECT_FALSE(reader.next(r)) << "one record per file";
    const Decoded d = decode(Format::kWhole, r.fields, kWholeField, ValueType::String);
    EXPECT_EQ(d.status, DecodeStatus::kOk);
    return std::string(d.text);
  };
  EXPECT_EQ(text("fixture-host\n"), "fixture-host");
  EXPECT_EQ(text("fixture-host"), "fixture-host");
  EXPECT_EQ(text("#1 SMP PREEMPT_DYNAMIC Debian 6.1.99-1\n"),
            "#1 SMP PREEMPT_DYNAMIC Debian 6.1.99-1");
  EXPECT_EQ(text("two\n\n"), "two\n");
  EXPECT_EQ(text(""), "");
  EXPECT_EQ(text("\n"), "");
}

TEST(Whole, NumbersByFieldIndex) {
  constexpr std::string_view file_nr = "1344\t0\t9223372036854775807";
  EXPECT_EQ(decode(Format::kWhole, file_nr, kWholeField, ValueType::U64).bits, 1344U);
  EXPECT_EQ(decode(Format::kWhole, file_nr, 1, ValueType::U64).bits, 0U);
  EXPECT_EQ(decode(Format::kWhole, file_nr, 2, ValueType::U64).bits, 9223372036854775807ULL);
  EXPECT_EQ(decode(Format::kWhole, file_nr, 3, ValueType::U64).status, DecodeStatus::kNoField);
  EXPECT_EQ(decode(Format::kWhole, "-1", kWholeField, ValueType::I64).bits,
            static_cast<std::uint64_t>(-1));
  EXPECT_EQ(decode(Format::kWhole, "-1", kWholeField, ValueType::U64).status,
            DecodeStatus::kMalformed);
  EXPECT_EQ(decode(Format::kWhole, "a b c", 1, ValueType::String).text, "b");
  EXPECT_EQ(decode(Format::kWhole, "a b c", 3, ValueType::String).status, DecodeStatus::kNoField);
}

TEST(Decode, UnknownTypeIsAnError) {
  EXPECT_NE(decode(Format::kWhole, "1", kWholeField, ValueType::Unknown).status, DecodeStatus::kOk);
}

}  // namespace
}  // namespace sysring::broker::procfs
