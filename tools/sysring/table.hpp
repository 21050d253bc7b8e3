// Column-aligned text tables: every column as wide as its widest cell (up to an optional cap),
// two spaces apart.
#pragma once

#include <string>
#include <vector>

namespace sysring::cli {

class Table {
 public:
  // An empty header list prints no header row.
  explicit Table(std::vector<std::string> headers = {});

  void add_row(std::vector<std::string> cells);
  void align_right(std::size_t column);  // numbers read better right-aligned
  void set_indent(std::string indent) { indent_ = std::move(indent); }
  // A cell wider than `width` does not widen its column: it pushes the rest of its own row right
  // instead, so one long string value leaves every other row compact. 0: no cap.
  void set_width_cap(std::size_t width) { width_cap_ = width; }

  [[nodiscard]] std::string render() const;
  [[nodiscard]] bool empty() const noexcept { return rows_.empty(); }

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
  std::vector<bool> right_;
  std::string indent_;
  std::size_t width_cap_ = 0;
};

}  // namespace sysring::cli
