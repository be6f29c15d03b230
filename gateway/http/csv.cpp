#include "gateway/http/csv.hpp"

namespace scopegate::gateway {

std::string csv_field(std::string_view value) {
  std::string cell(value);
  if (!cell.empty() && (cell[0] == '=' || cell[0] == '+' || cell[0] == '-' || cell[0] == '@' ||
                        cell[0] == '\t' || cell[0] == '\r'))
    cell.insert(cell.begin(), '\'');
  if (cell.find_first_of(",\"\r\n") == std::string::npos) return cell;
  std::string out = "\"";
  for (char c : cell) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string csv_row(const std::vector<std::string>& cells) {
  std::string out;
  for (std::size_t i = 0; i < cells.size(); ++i) {
    if (i) out += ',';
    out += csv_field(cells[i]);
  }
  out += "\r\n";
  return out;
}

csv_table parse_csv(std::string_view text) {
  csv_table t;
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  std::vector<std::string> row;
  std::string cell;
  bool quoted = false, cell_started = false, after_quote = false;
  std::size_t line = 1;
  auto end_row = [&] {
    row.push_back(std::move(cell));
    cell.clear();
    bool blank = row.size() == 1 && row[0].empty();
    if (!blank) t.rows.push_back(std::move(row));
    row.clear();
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
        if (ch == '\n') ++line;
        cell += ch;
      }
      continue;
    }
    if (ch == ',') {
      row.push_back(std::move(cell));
      cell.clear();
      cell_started = after_quote = false;
    } else if (ch == '\r' || ch == '\n') {
      if (ch == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      end_row();
      ++line;
    } else if (ch == '"') {
      if (cell_started || after_quote) {
        t.error = "line " + std::to_string(line) + ": a quote inside an unquoted cell";
        return t;
      }
      quoted = true;
      cell_started = true;
    } else {
      if (after_quote) {
        t.error = "line " + std::to_string(line) + ": text after a closing quote";
        return t;
      }
      cell += ch;
      cell_started = true;
    }
  }
  if (quoted) {
    t.error = "line " + std::to_string(line) + ": a quoted cell is not closed";
    return t;
  }
  if (cell_started || !row.empty() || !cell.empty()) end_row();
  return t;
}

}  // namespace scopegate::gateway
