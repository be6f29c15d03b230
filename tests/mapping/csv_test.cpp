// The one CSV reader and writer: quoting, line breaks inside cells, CRLF, BOM, line
// numbers, malformed input, and formula cells neutralised for spreadsheets.
#include <doctest/doctest.h>

#include "mapping/csv.hpp"

using namespace scopegate::mapping;

namespace {

std::vector<std::vector<std::string>> cells_of(const csv_table& t) {
  std::vector<std::vector<std::string>> out;
  for (const auto& r : t.rows)
    out.push_back(r.cells);
  return out;
}

std::vector<std::size_t> lines_of(const csv_table& t) {
  std::vector<std::size_t> out;
  for (const auto& r : t.rows)
    out.push_back(r.line);
  return out;
}

using table = std::vector<std::vector<std::string>>;

}  // namespace

TEST_CASE("plain rows with LF, CRLF and lone CR line ends; blank lines skipped") {
  auto t = read_csv("a,b\r\nc,d\n\nE,\rg");
  REQUIRE_FALSE(t.error);
  CHECK(cells_of(t) == table{{"a", "b"}, {"c", "d"}, {"E", ""}, {"g"}});
  CHECK(lines_of(t) == std::vector<std::size_t>{1, 2, 4, 5});
}

TEST_CASE("a byte order mark is dropped, only at the start") {
  auto t = read_csv("\xEF\xBB\xBFpartner_id,customer_id\r\n");
  REQUIRE_FALSE(t.error);
  CHECK(cells_of(t) == table{{"partner_id", "customer_id"}});
}

TEST_CASE("quoted cells: commas, doubled quotes, embedded line breaks keep line numbers") {
  auto t = read_csv("\"a,1\",\"say \"\"hi\"\"\"\n\"two\nlines\",x\r\nlast,\"\"\n");
  REQUIRE_FALSE(t.error);
  CHECK(cells_of(t) == table{{"a,1", "say \"hi\""}, {"two\nlines", "x"}, {"last", ""}});
  // The second row starts on line 2 and spans two lines; the third starts on line 4.
  CHECK(lines_of(t) == std::vector<std::size_t>{1, 2, 4});
}

TEST_CASE("no trailing line break, and a trailing empty cell") {
  CHECK(cells_of(read_csv("a,b")) == table{{"a", "b"}});
  CHECK(cells_of(read_csv("a,")) == table{{"a", ""}});
  CHECK(read_csv("").rows.empty());
  CHECK(read_csv("\r\n\n").rows.empty());
}

TEST_CASE("malformed CSV is an error naming its line") {
  auto quote_inside = read_csv("ok,1\nab\"c,2\n");
  REQUIRE(quote_inside.error);
  CHECK(quote_inside.error->line == 2);
  CHECK(quote_inside.error->message == "line 2: a quote inside an unquoted cell");

  auto after = read_csv("a,b\n\"x\"y,1\n");
  REQUIRE(after.error);
  CHECK(after.error->message == "line 2: text after a closing quote");

  auto open = read_csv("a\n\"never\nclosed");
  REQUIRE(open.error);
  CHECK(open.error->message == "line 3: a quoted cell is not closed");
}

TEST_CASE("very long lines and cells are read whole") {
  std::string big(200'000, 'x');
  auto t = read_csv("id," + big + "\nnext,1\n");
  REQUIRE_FALSE(t.error);
  REQUIRE(t.rows.size() == 2);
  CHECK(t.rows[0].cells[1].size() == big.size());
  CHECK(t.rows[1].line == 2);
  auto quoted = read_csv("\"" + big + "\"");
  REQUIRE(quoted.rows.size() == 1);
  CHECK(quoted.rows[0].cells[0] == big);
}

TEST_CASE("formula cells are neutralised with a leading quote") {
  for (std::string bad : {"=1+1", "+49 30 1234", "-2", "@SUM(A1)", "\tx", "\rx",
                          "=HYPERLINK(\"http://evil\",\"click\")"}) {
    INFO(bad);
    auto cell = neutralise_formula(bad);
    CHECK(cell == "'" + bad);
    CHECK(strip_formula_guard(cell) == bad);
  }
  for (std::string fine : {"", "alice", "1=1", "a+b", "'quoted", "'x"}) {
    INFO(fine);
    CHECK(neutralise_formula(fine) == fine);
    CHECK(strip_formula_guard(fine) == fine);
  }
}

TEST_CASE("csv_line quotes after neutralising, and reads back") {
  CHECK(csv_line({"a", "b"}) == "a,b\r\n");
  CHECK(csv_line({"=cmd|' /C calc'!A0", "x"}) == "'=cmd|' /C calc'!A0,x\r\n");
  CHECK(csv_line({"a,b", "say \"hi\"", "two\nlines"}) ==
        "\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\"\r\n");
  CHECK(csv_line({"=1,2"}) == "\"'=1,2\"\r\n");
  CHECK(csv_line({"\rcr"}) == "\"'\rcr\"\r\n");
  CHECK(csv_line({}) == "\r\n");
  CHECK(csv_cell("-1") == "'-1");

  std::vector<std::string> cells{"p1", "=SUM(A1:A9)", "a,\"b\"\r\nc", "", "@x"};
  auto back = read_csv(csv_line(cells) + csv_line({"next"}));
  REQUIRE_FALSE(back.error);
  REQUIRE(back.rows.size() == 2);
  std::vector<std::string> restored;
  for (const auto& c : back.rows[0].cells)
    restored.push_back(strip_formula_guard(c));
  CHECK(restored == cells);
  CHECK(back.rows[0].cells[1] == "'=SUM(A1:A9)");  // what a spreadsheet opens: text
  CHECK(back.rows[1].line == 3);
}
