// RFC 4180 CSV: one row out, a whole table in. THE CSV writer of the gateway (customer
// export, mapping export, reveal activity): cells a spreadsheet would run as a formula are
// neutralised (DESIGN §5a).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace scopegate::gateway {

// One cell: a value starting with = + - @ tab or CR gets a leading apostrophe (so a
// spreadsheet shows it as text); a cell with a comma, quote or line break is quoted.
[[nodiscard]] std::string csv_field(std::string_view value);

// One CRLF-terminated line of csv_field cells.
[[nodiscard]] std::string csv_row(const std::vector<std::string>& cells);

struct csv_table {
  std::vector<std::vector<std::string>> rows;  // blank lines skipped
  std::string error;                           // set when the text is not valid CSV
};

// Accepts CRLF or LF line ends and a UTF-8 byte order mark.
[[nodiscard]] csv_table parse_csv(std::string_view text);

}  // namespace scopegate::gateway
