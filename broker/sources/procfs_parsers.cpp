#include "procfs_parsers.hpp"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <limits>
#include <system_error>

namespace sysring::broker::procfs {
namespace {

static_assert(is_space(' ') && is_space('\t') && is_space('\n') && is_space('\r') &&
              is_space('\v') && is_space('\f') && !is_space('a') && !is_space('\0'));

std::size_t first_space(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (is_space(text[i])) return i;
  }
  return std::string_view::npos;
}
std::size_t first_non_space(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (!is_space(text[i])) return i;
  }
  return std::string_view::npos;
}

template <class Integer>
DecodeStatus parse_integer(std::string_view token, Integer& out) {
  const char* const end = token.data() + token.size();
  Integer value{};
  const auto [ptr, ec] = std::from_chars(token.data(), end, value);
  if (ec == std::errc::result_out_of_range) return DecodeStatus::kOutOfRange;
  if (token.empty() || ec != std::errc{} || ptr != end) return DecodeStatus::kMalformed;
  out = value;
  return DecodeStatus::kOk;
}

// "Tcp: ..." -> "Tcp"; empty when the line does not start with a protocol tag.
std::string_view snmp_group(std::string_view line) {
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) return {};
  const std::string_view group = line.substr(0, colon);
  return first_space(group) == std::string_view::npos ? group : std::string_view{};
}

// /proc/meminfo: "N kB" is KiB, a bare "N" is a count; any other unit is unexpected.
DecodeStatus meminfo_factor(std::string_view fields, std::size_t index, std::uint64_t& factor,
                            std::string_view& unit) {
  unit = nth_token(fields, index + 1);
  if (unit.empty()) {
    factor = 1;
  } else if (unit == "kB") {
    factor = 1024;
  } else {
    return DecodeStatus::kMalformed;
  }
  return DecodeStatus::kOk;
}

// kSize and kCpuList: whole-file values that only make sense as U64.
Decoded decode_sysfs(Format format, std::string_view fields, std::size_t index,
                     schema::ValueType type) {
  Decoded out;
  if (format == Format::kCpuList) {
    out.text = fields;  // the list is the whole (trimmed) text; an empty list is a valid zero
  } else {
    out.text = nth_token(fields, index == kWholeField ? 0 : index);
    if (out.text.empty()) {
      out.status = DecodeStatus::kNoField;
      return out;
    }
  }
  if (type != schema::ValueType::U64) {
    out.status = DecodeStatus::kMalformed;
    return out;
  }
  std::uint64_t v = 0;
  out.status = format == Format::kCpuList ? parse_cpu_list(out.text, v) : parse_size(out.text, v);
  out.bits = out.status == DecodeStatus::kOk ? v : 0;
  return out;
}

Decoded decode_number(Format format, std::string_view fields, std::size_t index,
                      schema::ValueType type) {
  if (format == Format::kSize || format == Format::kCpuList)
    return decode_sysfs(format, fields, index, type);
  if (index == kWholeField) index = 0;
  Decoded out;
  out.text = nth_token(fields, index);
  if (out.text.empty()) {
    out.status = DecodeStatus::kNoField;
    return out;
  }
  std::uint64_t factor = 1;
  if (format == Format::kMeminfo) {
    std::string_view unit;
    if (meminfo_factor(fields, index, factor, unit) != DecodeStatus::kOk) {
      out.text = unit;
      out.status = DecodeStatus::kMalformed;
      return out;
    }
  }
  switch (type) {
    case schema::ValueType::U64: {
      std::uint64_t v = 0;
      out.status = parse_u64(out.text, v);
      if (out.status == DecodeStatus::kOk && v > std::numeric_limits<std::uint64_t>::max() / factor)
        out.status = DecodeStatus::kOutOfRange;
      out.bits = v * factor;
      break;
    }
    case schema::ValueType::I64: {
      std::int64_t v = 0;
      out.status = parse_i64(out.text, v);
      const auto f = static_cast<std::int64_t>(factor);
      if (out.status == DecodeStatus::kOk && (v > std::numeric_limits<std::int64_t>::max() / f ||
                                              v < std::numeric_limits<std::int64_t>::min() / f))
        out.status = DecodeStatus::kOutOfRange;
      out.bits = static_cast<std::uint64_t>(v) * factor;  // two's complement, no signed overflow
      break;
    }
    case schema::ValueType::F64: {
      double v = 0;
      out.status = parse_f64(out.text, v);
      out.bits = std::bit_cast<std::uint64_t>(v * static_cast<double>(factor));
      break;
    }
    default:
      out.status = DecodeStatus::kMalformed;
      break;
  }
  if (out.status != DecodeStatus::kOk) out.bits = 0;
  return out;
}

}  // namespace

// ---- Primitives ----

DecodeStatus parse_u64(std::string_view token, std::uint64_t& out) {
  return parse_integer(token, out);
}

DecodeStatus parse_i64(std::string_view token, std::int64_t& out) {
  return parse_integer(token, out);
}

DecodeStatus parse_f64(std::string_view token, double& out) {
  const char* const end = token.data() + token.size();
  double value = 0;
  const auto [ptr, ec] = std::from_chars(token.data(), end, value, std::chars_format::general);
  if (ec == std::errc::result_out_of_range) return DecodeStatus::kOutOfRange;
  if (token.empty() || ec != std::errc{} || ptr != end || !std::isfinite(value))
    return DecodeStatus::kMalformed;
  out = value;
  return DecodeStatus::kOk;
}

DecodeStatus parse_size(std::string_view token, std::uint64_t& out) {
  std::uint64_t factor = 1;
  if (!token.empty()) {
    switch (token.back()) {
      case 'K':
        factor = std::uint64_t{1} << 10;
        break;
      case 'M':
        factor = std::uint64_t{1} << 20;
        break;
      case 'G':
        factor = std::uint64_t{1} << 30;
        break;
      default:
        break;
    }
    if (factor != 1) token.remove_suffix(1);
  }
  std::uint64_t v = 0;
  const DecodeStatus status = parse_u64(token, v);
  if (status != DecodeStatus::kOk) return status;
  if (v > std::numeric_limits<std::uint64_t>::max() / factor) return DecodeStatus::kOutOfRange;
  out = v * factor;
  return DecodeStatus::kOk;
}

DecodeStatus parse_cpu_list(std::string_view text, std::uint64_t& out) {
  text = trim(text);
  std::uint64_t count = 0;
  while (!text.empty()) {
    const std::size_t comma = text.find(',');
    const std::string_view item = text.substr(0, comma);
    text.remove_prefix(comma == std::string_view::npos ? text.size() : comma + 1);
    if (comma != std::string_view::npos && text.empty()) return DecodeStatus::kMalformed;
    const std::size_t dash = item.find('-');
    std::uint64_t first = 0;
    std::uint64_t last = 0;
    DecodeStatus status = parse_u64(item.substr(0, dash), first);
    if (status != DecodeStatus::kOk) return status;
    last = first;
    if (dash != std::string_view::npos) {
      status = parse_u64(item.substr(dash + 1), last);
      if (status != DecodeStatus::kOk) return status;
      if (last < first) return DecodeStatus::kMalformed;
    }
    count += last - first + 1;  // CPU ids are far below 2^63: no overflow in practice
  }
  out = count;
  return DecodeStatus::kOk;
}

std::string_view next_line(std::string_view& rest) {
  const std::size_t newline = rest.find('\n');
  const std::string_view line = rest.substr(0, newline);
  rest.remove_prefix(newline == std::string_view::npos ? rest.size() : newline + 1);
  return line;
}

std::string_view nth_token(std::string_view text, std::size_t index) {
  std::string_view token = next_token(text);
  for (; index > 0 && !token.empty(); --index) token = next_token(text);
  return token;
}

std::string_view trim(std::string_view text) {
  const std::size_t begin = first_non_space(text);
  if (begin == std::string_view::npos) return {};
  std::size_t end = text.size();
  while (is_space(text[end - 1])) --end;
  return text.substr(begin, end - begin);
}

// ---- Records ----

RecordReader::RecordReader(Format format, std::string_view text) : format_(format), rest_(text) {
  if (format_ == Format::kWhole || format_ == Format::kSize || format_ == Format::kCpuList) {
    // sysctl files end in one '\n' that is not part of the value.
    if (text.ends_with('\n')) text.remove_suffix(1);
    add({{}, {}, text});
  } else if (format_ == Format::kLoadavg) {
    // "0.52 0.41 0.30 2/812 4242": three averages, running/total entities, last pid.
    std::string_view rest = next_line(text);
    for (const std::string_view key : {"0", "1", "2"}) {
      const std::string_view token = next_token(rest);
      if (!token.empty()) add({{}, key, token});
    }
    const std::string_view entities = next_token(rest);
    const std::size_t slash = entities.find('/');
    if (slash != std::string_view::npos) {
      add({{}, "running", entities.substr(0, slash)});
      add({{}, "total", entities.substr(slash + 1)});
    }
    const std::string_view last_pid = next_token(rest);
    if (!last_pid.empty()) add({{}, "last_pid", last_pid});
  }
}

bool RecordReader::next(Record& out) {
  switch (format_) {
    case Format::kMeminfo:
      return next_meminfo(out);
    case Format::kKeyValue:
      return next_key_value(out);
    case Format::kSnmp:
      return next_snmp(out);
    case Format::kPressure:
      return next_pressure(out);
    case Format::kSockstat:
      return next_sockstat(out);
    case Format::kSnmp6:
      return next_snmp6(out);
    case Format::kLoadavg:
    case Format::kWhole:
    case Format::kSize:
    case Format::kCpuList:
      return next_from_table(out);
  }
  return false;
}

bool RecordReader::next_meminfo(Record& out) {
  while (!rest_.empty()) {
    const std::string_view line = next_line(rest_);
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view key = trim(line.substr(0, colon));
    if (key.empty()) continue;
    out = {{}, key, trim(line.substr(colon + 1))};
    return true;
  }
  return false;
}

bool RecordReader::next_key_value(Record& out) {
  while (!rest_.empty()) {
    std::string_view line = next_line(rest_);
    const std::string_view key = next_token(line);
    if (key.empty()) continue;
    out = {{}, key, trim(line)};
    return true;
  }
  return false;
}

bool RecordReader::next_snmp(Record& out) {
  for (;;) {
    // Walk the current header/value pair in step: the n-th name goes with the n-th value.
    const std::string_view name = next_token(names_);
    const std::string_view value = next_token(values_);
    if (!name.empty() && !value.empty()) {
      out = {group_, name, value};
      return true;
    }
    // Pair exhausted (or its value line is short: the names left over count as missing).
    names_ = values_ = {};
    std::string_view header = next_line(rest_);
    for (;;) {
      if (header.empty() && rest_.empty()) return false;
      const std::string_view values = next_line(rest_);
      const std::string_view group = snmp_group(header);
      if (!group.empty() && group == snmp_group(values)) {
        group_ = group;
        names_ = header.substr(group.size() + 1);
        values_ = values.substr(group.size() + 1);
        break;
      }
      header = values;  // out of step (truncated or foreign line): resynchronise on the next one
    }
  }
}

bool RecordReader::next_pressure(Record& out) {
  for (;;) {
    // "name=value" tokens of the current line; a token without '=' is skipped.
    for (std::string_view token = next_token(names_); !token.empty(); token = next_token(names_)) {
      const std::size_t eq = token.find('=');
      if (eq == std::string_view::npos || eq == 0) continue;
      out = {group_, token.substr(0, eq), token.substr(eq + 1)};
      return true;
    }
    if (rest_.empty()) return false;
    names_ = next_line(rest_);
    group_ = next_token(names_);  // "some" or "full"
  }
}

bool RecordReader::next_sockstat(Record& out) {
  for (;;) {
    // "name value" pairs of the current line; a name without a value ends the line.
    const std::string_view name = next_token(names_);
    const std::string_view value = next_token(names_);
    if (!value.empty()) {
      out = {group_, name, value};
      return true;
    }
    if (rest_.empty()) return false;
    names_ = next_line(rest_);
    group_ = next_token(names_);  // "sockets:", "TCP:", ...
    if (group_.ends_with(':')) group_.remove_suffix(1);
  }
}

bool RecordReader::next_snmp6(Record& out) {
  while (!rest_.empty()) {
    std::string_view line = next_line(rest_);
    const std::string_view name = next_token(line);
    const std::size_t six = name.find('6');
    // A name without a protocol tag or without a field after it is not a counter.
    if (six == std::string_view::npos || six + 1 == name.size()) continue;
    out = {name.substr(0, six + 1), name.substr(six + 1), trim(line)};
    return true;
  }
  return false;
}

bool RecordReader::next_from_table(Record& out) {
  if (table_pos_ == table_size_) return false;
  out = table_.at(table_pos_++);
  return true;
}

void RecordReader::add(const Record& record) {
  table_.at(table_size_++) = record;
}

// ---- Values ----

Decoded decode(Format format, std::string_view fields, std::size_t index, schema::ValueType type) {
  if (type != schema::ValueType::String) return decode_number(format, fields, index, type);
  Decoded out;
  out.text = index == kWholeField ? fields : nth_token(fields, index);
  out.status =
      index != kWholeField && out.text.empty() ? DecodeStatus::kNoField : DecodeStatus::kOk;
  return out;
}

}  // namespace sysring::broker::procfs
