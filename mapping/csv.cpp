#include "mapping/csv.hpp"

namespace scopegate::mapping {

namespace {

bool formula_start(char c) {
  return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r';
}

}  // namespace

std::string neutralise_formula(std::string_view cell) {
  std::string out;
  if (!cell.empty() && formula_start(cell.front())) out += '\'';
  out += cell;
  return out;
}

std::string strip_formula_guard(std::string_view cell) {
  if (cell.size() >= 2 && cell[0] == '\'' && formula_start(cell[1])) cell.remove_prefix(1);
  return std::string(cell);
}

std::string csv_cell(std::string_view cell) {
  auto safe = neutralise_formula(cell);
  if (safe.find_first_of(",\"\r\n") == std::string::npos) return safe;
  std::string out = "\"";
  for (char c : safe) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string csv_line(const std::vector<std::string>& cells) {
  std::string out;
  for (std::size_t i = 0; i < cells.size(); ++i) {
    if (i) out += ',';
    out += csv_cell(cells[i]);
  }
  out += "\r\n";
  return out;
}

csv_table read_csv(std::string_view text) {
  csv_table t;
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  csv_row row;
  std::string cell;
  bool quoted = false, cell_started = false, after_quote = false;
  std::size_t line = 1;
  row.line = 1;
  auto fail = [&](std::string what) {
    t.error = csv_error{line, "line " + std::to_string(line) + ": " + std::move(what)};
  };
  auto end_row = [&](std::size_t next_line) {
    row.cells.push_back(std::move(cell));
    cell.clear();
    bool blank = row.cells.size() == 1 && row.cells[0].empty();
    if (!blank) t.rows.push_back(std::move(row));
    row = csv_row{};
    row.line = next_line;
    cell_started = after_quote = false;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    char ch = text[i];
    if (quoted) {
      if (ch == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          cell += '"';
          ++i;
        } else {
          quoted = false;
          after_quote = true;
        }
      } else {
        // A line break inside a quoted cell is data; it still advances the line count.
        if (ch == '\n' || (ch == '\r' && !(i + 1 < text.size() && text[i + 1] == '\n'))) ++line;
        cell += ch;
      }
      continue;
    }
    if (ch == ',') {
      row.cells.push_back(std::move(cell));
      cell.clear();
      cell_started = after_quote = false;
    } else if (ch == '\r' || ch == '\n') {
      if (ch == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      ++line;
      end_row(line);
    } else if (ch == '"') {
      if (cell_started || after_quote) {
        fail("a quote inside an unquoted cell");
        return t;
      }
      quoted = true;
      cell_started = true;
    } else {
      if (after_quote) {
        fail("text after a closing quote");
        return t;
      }
      cell += ch;
      cell_started = true;
    }
  }
  if (quoted) {
    fail("a quoted cell is not closed");
    return t;
  }
  if (cell_started || !row.cells.empty() || !cell.empty()) end_row(line);
  return t;
}

}  // namespace scopegate::mapping
