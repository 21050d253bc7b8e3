#include "table.hpp"

#include <algorithm>

namespace sysring::cli {

namespace {

// Terminal columns taken by UTF-8 text, approximated as one per code point.
std::size_t display_width(const std::string& text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

}  // namespace

Table::Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}

void Table::add_row(std::vector<std::string> cells) {
  rows_.push_back(std::move(cells));
}

void Table::align_right(std::size_t column) {
  if (right_.size() <= column) right_.resize(column + 1, false);
  right_[column] = true;
}

std::string Table::render() const {
  std::vector<std::size_t> widths;
  const auto measure = [&](const std::vector<std::string>& row, std::size_t cap) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (std::size_t i = 0; i < row.size(); ++i) {
      const std::size_t width = display_width(row[i]);
      if (cap == 0 || width <= cap) widths[i] = std::max(widths[i], width);
    }
  };
  measure(headers_, 0);  // a header always fits its column
  for (const auto& row : rows_) measure(row, width_cap_);

  std::string out;
  const auto emit = [&](const std::vector<std::string>& row) {
    std::string line = indent_;
    for (std::size_t i = 0; i < row.size(); ++i) {
      const std::size_t width = display_width(row[i]);
      const std::size_t pad = widths[i] > width ? widths[i] - width : 0;
      const bool right = i < right_.size() && right_[i];
      if (i > 0) line += "  ";
      if (right) line.append(pad, ' ');
      line += row[i];
      if (!right && i + 1 < row.size()) line.append(pad, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();  // no trailing blanks
    out += line;
    out += '\n';
  };
  if (!headers_.empty()) emit(headers_);
  for (const auto& row : rows_) emit(row);
  return out;
}

}  // namespace sysring::cli
