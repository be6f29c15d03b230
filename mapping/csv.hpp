// CSV for imports and exports (RFC 4180): a reader that keeps each row's line number, and a
// writer whose cells are safe to open in a spreadsheet (DESIGN.md section 5a).
//
//   auto table = mapping::read_csv(body);
//   if (table.error) return refuse(table.error->message);      // "line 3: ..."
//   for (const auto& row : table.rows) use(row.line, row.cells);
//   std::string out = mapping::csv_line({"partner_id", "customer_id"});
//
// The writer prefixes a cell that a spreadsheet would run as a formula (first character
// `=`, `+`, `-`, `@`, tab or CR) with `'`; `strip_formula_guard` undoes exactly that, for
// imports of files this writer produced.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace scopegate::mapping {

struct csv_row {
  std::size_t line = 0;  // 1-based line of the file where the row starts
  std::vector<std::string> cells;
};

struct csv_error {
  std::size_t line = 0;
  std::string message;  // "line N: what is wrong", safe to show to the uploader
};

struct csv_table {
  std::vector<csv_row> rows;       // blank lines skipped
  std::optional<csv_error> error;  // set: the text is not valid CSV (rows are then partial)
};

// Accepts CRLF, LF or lone CR line ends and a leading UTF-8 byte order mark. Quoted cells
// may hold commas, doubled quotes and line breaks. A quote inside an unquoted cell, text
// after a closing quote and an unclosed quoted cell are errors.
[[nodiscard]] csv_table read_csv(std::string_view text);

// The cell as a spreadsheet may open it: a leading `'` when it starts with a formula
// character. Not quoted.
[[nodiscard]] std::string neutralise_formula(std::string_view cell);
// `cell` without the `'` that neutralise_formula added; other cells unchanged.
[[nodiscard]] std::string strip_formula_guard(std::string_view cell);

// One CRLF-terminated line: each cell neutralised, then quoted when it holds a comma, a
// quote or a line break.
[[nodiscard]] std::string csv_line(const std::vector<std::string>& cells);
// One cell of a line as csv_line writes it (neutralised and quoted as needed), for writers
// that join cells themselves.
[[nodiscard]] std::string csv_cell(std::string_view cell);

}  // namespace scopegate::mapping
