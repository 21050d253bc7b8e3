#include "selector.hpp"

#include "exit_codes.hpp"
#include "format.hpp"
#include "instance_text.hpp"

namespace sysring::cli {
namespace {

bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
// Registry names are dotted ("disk.read_bytes"); ':' and '-' are kept for names from elsewhere.
bool is_name_char(char c) {
  return is_alpha(c) || is_digit(c) || c == '.' || c == ':' || c == '-';
}

const char* op_text(MatchOp op) {
  switch (op) {
    case MatchOp::kEqual:
      return "=";
    case MatchOp::kNotEqual:
      return "!=";
    case MatchOp::kRegexMatch:
      return "=~";
    case MatchOp::kRegexNoMatch:
      return "!~";
  }
  return "?";
}

// A recursive-descent parser over one selector; every failure names the character it stopped at.
class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  Selector parse() {
    Selector selector;
    skip_spaces();
    selector.family = name();
    skip_spaces();
    if (at_end()) return selector;
    if (!take('{')) fail("expected '{' or the end");
    skip_spaces();
    while (!take('}')) {
      selector.matchers.push_back(matcher());
      skip_spaces();
      if (take(',')) {
        skip_spaces();
      } else if (!peek('}')) {
        fail("expected ',' or '}'");
      }
    }
    skip_spaces();
    if (!at_end()) fail("unexpected text after '}'");
    return selector;
  }

 private:
  [[nodiscard]] bool at_end() const { return pos_ >= text_.size(); }
  [[nodiscard]] bool peek(char c) const { return !at_end() && text_[pos_] == c; }
  bool take(char c) {
    if (!peek(c)) return false;
    ++pos_;
    return true;
  }
  void skip_spaces() {
    while (peek(' ') || peek('\t')) ++pos_;
  }

  [[noreturn]] void fail(const std::string& what) const { fail_at(what, pos_); }
  [[noreturn]] void fail_at(const std::string& what, std::size_t pos) const {
    throw usage_error("bad selector '" + printable(text_) + "': " + what + " at character " +
                      std::to_string(pos + 1));
  }

  std::string name() {
    const std::size_t start = pos_;
    while (!at_end() && is_name_char(text_[pos_])) ++pos_;
    if (pos_ == start) fail("expected a metric name");
    return std::string(text_.substr(start, pos_ - start));
  }

  std::string label() {
    const std::size_t start = pos_;
    if (at_end() || !is_alpha(text_[pos_])) fail("expected a label name");
    while (!at_end() && (is_alpha(text_[pos_]) || is_digit(text_[pos_]))) ++pos_;
    return std::string(text_.substr(start, pos_ - start));
  }

  MatchOp op() {
    if (take('=')) return take('~') ? MatchOp::kRegexMatch : MatchOp::kEqual;
    if (take('!')) {
      if (take('=')) return MatchOp::kNotEqual;
      if (take('~')) return MatchOp::kRegexNoMatch;
      --pos_;
    }
    fail("expected '=', '!=', '=~' or '!~'");
  }

  std::string quoted() {
    if (!take('"')) fail("expected a double-quoted value");
    std::string value;
    while (true) {
      if (at_end()) fail("unterminated value");
      const char c = text_[pos_++];
      if (c == '"') return value;
      if (c != '\\') {
        value += c;
        continue;
      }
      if (at_end()) fail("unterminated value");
      switch (text_[pos_++]) {
        case '"':
          value += '"';
          break;
        case '\\':
          value += '\\';
          break;
        case 'n':
          value += '\n';
          break;
        case 't':
          value += '\t';
          break;
        default:
          fail_at("unknown escape (use \\\" or \\\\)", pos_ - 2);
      }
    }
  }

  LabelMatcher matcher() {
    LabelMatcher m;
    m.label = label();
    skip_spaces();
    m.op = op();
    skip_spaces();
    const std::size_t value_at = pos_;
    m.value = quoted();
    if (m.op == MatchOp::kRegexMatch || m.op == MatchOp::kRegexNoMatch) {
      try {
        m.regex = std::make_shared<const std::regex>(m.value, std::regex::ECMAScript);
      } catch (const std::regex_error& e) {
        fail_at(std::string("bad regex (") + e.what() + ")", value_at);
      }
    }
    return m;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

}  // namespace

bool LabelMatcher::accepts(std::string_view label_value) const {
  switch (op) {
    case MatchOp::kEqual:
      return label_value == value;
    case MatchOp::kNotEqual:
      return label_value != value;
    case MatchOp::kRegexMatch:
      return regex && std::regex_match(label_value.begin(), label_value.end(), *regex);
    case MatchOp::kRegexNoMatch:
      return regex && !std::regex_match(label_value.begin(), label_value.end(), *regex);
  }
  return false;
}

bool Selector::matches(const Instance& instance) const {
  for (const LabelMatcher& m : matchers) {
    const std::string* label = instance.label(m.label);
    const std::string_view value = m.label == kInstanceLabel ? std::string_view(instance.name)
                                   : label != nullptr        ? std::string_view(*label)
                                                             : std::string_view();
    if (!m.accepts(value)) return false;
  }
  return true;
}

bool Selector::matches_scalar() const {
  for (const LabelMatcher& m : matchers) {
    if (!m.accepts("")) return false;
  }
  return true;
}

std::string Selector::matchers_text() const {
  if (matchers.empty()) return {};
  std::string out = "{";
  for (const LabelMatcher& m : matchers) {
    if (out.size() > 1) out += ',';
    out += m.label;
    out += op_text(m.op);
    append_quoted_label_value(out, m.value);
  }
  out += '}';
  return out;
}

Selector parse_selector(std::string_view text) {
  return Parser(text).parse();
}

}  // namespace sysring::cli
