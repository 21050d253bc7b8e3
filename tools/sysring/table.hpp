// Column-aligned text tables: every column as wide as its widest cell, two spaces apart.
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

  [[nodiscard]] std::string render() const;
  [[nodiscard]] bool empty() const noexcept { return rows_.empty(); }

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
  std::vector<bool> right_;
  std::string indent_;
};

}  // namespace sysring::cli
