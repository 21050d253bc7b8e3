// A minimal streaming JSON writer: commas and quoting handled, output always valid JSON.
// No JSON library is available to the tools, and this is all the CLI needs.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sysring::cli {

// Appends `text` as a quoted JSON string. Quotes, backslashes and control characters are
// escaped; invalid UTF-8 (the segment is untrusted input) becomes U+FFFD so parsers accept it.
void append_json_string(std::string& out, std::string_view text);

class JsonWriter {
 public:
  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view name);

  JsonWriter& value(std::string_view text);
  JsonWriter& value(const char* text) { return value(std::string_view(text)); }
  JsonWriter& value(bool flag);
  JsonWriter& value(std::uint64_t number);
  JsonWriter& value(std::int64_t number);
  JsonWriter& value(std::uint32_t number) { return value(std::uint64_t{number}); }
  // Shortest round-trip form; NaN and infinities have no JSON spelling and become null.
  JsonWriter& value(double number);
  JsonWriter& null();

  // Shorthand for key(name).value(v).
  template <class T>
  JsonWriter& field(std::string_view name, const T& v) {
    key(name);
    return value(v);
  }

  [[nodiscard]] const std::string& str() const noexcept { return out_; }

 private:
  void before_value();
  JsonWriter& open(char bracket);
  JsonWriter& close(char bracket);

  std::string out_;
  std::vector<bool> has_items_;  // per open container: whether a comma is needed next
  bool after_key_ = false;
};

}  // namespace sysring::cli
