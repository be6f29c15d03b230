// RFC 4180 CSV: one row out, a whole table in. Used by customer export/import.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace scopegate::gateway {

// One CRLF-terminated line; cells with a comma, quote or line break are quoted.
[[nodiscard]] std::string csv_row(const std::vector<std::string>& cells);

struct csv_table {
  std::vector<std::vector<std::string>> rows;  // blank lines skipped
  std::string error;                           // set when the text is not valid CSV
};

// Accepts CRLF or LF line ends and a UTF-8 byte order mark.
[[nodiscard]] csv_table parse_csv(std::string_view text);

}  // namespace scopegate::gateway
