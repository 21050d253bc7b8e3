// Pure, allocation-free parsing of procfs text: bytes in, values out, no I/O.
//
// A procfs file is read as a sequence of records (group, key, fields), one format per file:
//   kMeminfo   "MemTotal:   24683620 kB"        -> {"", "MemTotal", "24683620 kB"}
//   kKeyValue  "pgfault 123" / "cpu  1 2 3 ..."  -> {"", "pgfault", "123"}      (vmstat, stat)
//   kSnmp      "Tcp: A B\nTcp: 1 -1"             -> {"Tcp", "A", "1"}, {"Tcp", "B", "-1"}
//   kLoadavg   "0.52 0.41 0.30 2/812 4242"       -> keys "0" "1" "2" "running" "total" "last_pid"
//   kWhole     "344\t0\t2466167\n"               -> {"", "", "344\t0\t2466167"}  (sysctl files)
//   kPressure  "some avg10=0.12 ... total=42"   -> {"some", "avg10", "0.12"}, ..., {"some",
//              "total", "42"}, then the "full" line likewise                   (/proc/pressure/*)
//   kSize      "32K\n"                          -> like kWhole; decodes "32K" as 32768 bytes
//   kCpuList   "0-3,5\n"                        -> like kWhole; decodes to the count, 5
//   kSockstat  "TCP: inuse 5 orphan 0 tw 2"      -> {"TCP", "inuse", "5"}, {"TCP", "orphan", "0"},
//              ...                                              (/proc/net/sockstat, sockstat6)
//   kSnmp6     "Ip6InOctets    123"              -> {"Ip6", "InOctets", "123"}: the name splits
//              after its first '6', as node_exporter does (Icmp6, Udp6, UdpLite6) (/proc/net/snmp6)
// A record's fields are then decoded to the registry's value type with decode().
// Everything returned is a view into the input text.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "types_generated.h"

namespace sysring::broker::procfs {

enum class Format : std::uint8_t {
  kMeminfo,
  kKeyValue,
  kSnmp,
  kLoadavg,
  kWhole,
  kPressure,
  kSize,     // sysfs sizes with an optional K/M/G suffix (powers of 1024), as U64 bytes
  kCpuList,  // sysfs CPU lists ("0-3,8,10-11"; empty means none), as a U64 count
  kSockstat,
  kSnmp6,
};

struct Record {
  std::string_view group;   // snmp protocol ("Tcp", "Ip6") or pressure line ("some"); else empty
  std::string_view key;     // empty for kWhole
  std::string_view fields;  // the value(s) as the file spells them, trimmed
};

// Iterates the records of one file's text. Lines it cannot make sense of are skipped: the keys
// they held then count as missing, which the caller reports.
class RecordReader {
 public:
  RecordReader(Format format, std::string_view text);
  bool next(Record& out);

 private:
  bool next_meminfo(Record& out);
  bool next_key_value(Record& out);
  bool next_snmp(Record& out);
  bool next_pressure(Record& out);
  bool next_sockstat(Record& out);
  bool next_snmp6(Record& out);
  bool next_from_table(Record& out);
  void add(const Record& record);

  Format format_;
  std::string_view rest_;
  // kSnmp: the header/value line pair being consumed name by name (kPressure: the line's tag
  // and its remaining "name=value" tokens, in group_ and names_; kSockstat likewise with
  // "name value" pairs).
  std::string_view group_;
  std::string_view names_;
  std::string_view values_;
  // kLoadavg and kWhole: the few records, split up front.
  std::array<Record, 6> table_{};
  std::size_t table_size_ = 0;
  std::size_t table_pos_ = 0;
};

// ---- Decoding one value ----

enum class DecodeStatus : std::uint8_t {
  kOk,
  kNoField,     // the record has fewer fields than the index asks for
  kMalformed,   // not a number of the wanted type (or an unknown unit)
  kOutOfRange,  // a number, but it does not fit the type: an error, never a wrapped value
};

struct Decoded {
  DecodeStatus status = DecodeStatus::kMalformed;
  std::uint64_t bits = 0;  // U64 / I64 (two's complement) / F64 (bit pattern)
  std::string_view text;   // String values; for errors, the offending token
};

// "Whole field": for String values the whole fields text, for numbers field 0.
inline constexpr std::size_t kWholeField = static_cast<std::size_t>(-1);

// Decodes field `index` (whitespace-separated) of a record's fields as `type`. kMeminfo numbers
// honour their unit: "N kB" is N*1024 bytes, a bare "N" (HugePages_Total) is a plain count.
Decoded decode(Format format, std::string_view fields, std::size_t index, schema::ValueType type);

// ---- Primitives, exposed for tests ----

// "32K" -> 32768, "8M", "1G", "512" (no suffix: bytes). Whole token, u64 overflow is kOutOfRange.
DecodeStatus parse_size(std::string_view token, std::uint64_t& out);
// Counts the CPUs of a kernel CPU list: "0-3,8" -> 5, "" -> 0. Descending ranges, empty items
// and non-numbers are kMalformed.
DecodeStatus parse_cpu_list(std::string_view text, std::uint64_t& out);

// Whole-token conversions with std::from_chars: no sign for u64, no leading '+' or spaces, no
// trailing garbage; overflow gives kOutOfRange. Doubles must be finite.
DecodeStatus parse_u64(std::string_view token, std::uint64_t& out);
DecodeStatus parse_i64(std::string_view token, std::int64_t& out);
DecodeStatus parse_f64(std::string_view token, double& out);

// Splits off the first line (without its '\n'); `rest` keeps what follows.
std::string_view next_line(std::string_view& rest);
// Whitespace as the kernel writes it (" \t\n\r\v\f"), as one comparison chain: string_view's
// find_first_of calls memchr over the set for every character, which dominated the broker's
// parsing time.
constexpr bool is_space(char c) {
  return c == ' ' || (c >= '\t' && c <= '\r');  // \t \n \v \f \r
}

// Splits off the first whitespace-separated token; empty when none is left. Inline: the
// parsers call it for every field of every record.
inline std::string_view next_token(std::string_view& rest) {
  const char* p = rest.data();
  const char* const end = p + rest.size();
  while (p != end && is_space(*p)) ++p;
  const char* const begin = p;
  while (p != end && !is_space(*p)) ++p;
  rest = std::string_view(p, static_cast<std::size_t>(end - p));
  return {begin, static_cast<std::size_t>(p - begin)};
}
// Token `index` of `text`, or empty when there are fewer tokens.
std::string_view nth_token(std::string_view text, std::size_t index);
// `text` without leading and trailing whitespace.
std::string_view trim(std::string_view text);

}  // namespace sysring::broker::procfs
