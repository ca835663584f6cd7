#include <catch2/catch.hpp>

#include <vector>

#include "fixtures.hpp"
#include "oasis/core/error.hpp"
#include "oasis/io/csv.hpp"

using namespace oasis;
using namespace oasis::io;

namespace {
std::vector<std::vector<std::string>> rows(const CsvFile& f) {
  std::vector<std::vector<std::string>> out;
  f.for_each([&](const CsvRecord& r) { out.emplace_back(r.fields.begin(), r.fields.end()); });
  return out;
}
}  // namespace

TEST_CASE("CSV with BOM, semicolons, decimal commas and CRLF") {
  const auto dir = test::scratch("csv1");
  const auto p = test::write(dir / "a.csv",
                             "\xEF\xBB\xBF"
                             "code;valeur\r\n01001;1,5\r\n\"2A004\";\"3,25\"\r\n");
  const CsvFile f(p);
  CHECK(f.separator() == ';');
  CHECK(f.decimal_comma());
  CHECK(f.header() == std::vector<std::string>{"code", "valeur"});
  const auto r = rows(f);
  REQUIRE(r.size() == 2);
  CHECK(r[1][0] == "2A004");
  CHECK(*parse_number(r[0][1], f.decimal_comma()) == 1.5);
  CHECK(*parse_number(r[1][1], f.decimal_comma()) == 3.25);
}

TEST_CASE("CSV in Latin-1 is read as such and converted to UTF-8") {
  const auto dir = test::scratch("csv2");
  // "Orléans" with é = 0xE9 in Latin-1
  const auto p = test::write(dir / "b.csv",
                             "code,nom\n45234,Orl\xE9"
                             "ans\n");
  const CsvFile f(p);
  CHECK(f.was_latin1());
  CHECK(rows(f)[0][1] ==
        "Orl\xC3\xA9"
        "ans");
}

TEST_CASE("CSV: pipes, trailing separator, quoted newlines, line numbers") {
  const auto dir = test::scratch("csv3");
  const auto p = test::write(dir / "c.txt", "A|B|\nx|\"two\nlines\"|\ny|z|\n");
  const CsvFile f(p);
  CHECK(f.separator() == '|');
  CHECK(f.header().size() == 2);  // the trailing empty column is dropped
  std::vector<std::size_t> lines;
  f.for_each([&](const CsvRecord& r) { lines.push_back(r.line); });
  CHECK(lines == std::vector<std::size_t>{2, 4});
  CHECK(rows(f)[0][1] == "two\nlines");
}

TEST_CASE("CSV: missing columns are named, with the columns present") {
  const auto dir = test::scratch("csv4");
  const auto p = test::write(dir / "d.csv", "insee,pop\n01001,3\n");
  const CsvFile f(p);
  CHECK(f.column({"INSEE"}) == std::size_t{0});
  try {
    f.require({"population"}, "the population");
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.code() == Errc::field_missing);
    CHECK_THAT(e.message() + e.fix(), Catch::Contains("insee") && Catch::Contains("pop"));
  }
}

TEST_CASE("CSV: empty and missing files give clear errors") {
  const auto dir = test::scratch("csv5");
  try {
    CsvFile f(test::write(dir / "empty.csv", ""));
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.code() == Errc::empty_input);
  }
  try {
    CsvFile f(dir / "nope.csv");
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.code() == Errc::io);
    CHECK_THAT(e.file(), Catch::Contains("nope.csv"));
  }
}

TEST_CASE("numbers: decimal comma only when asked, NaN and text refused") {
  CHECK(*parse_number(" 12.5 ") == 12.5);
  CHECK_FALSE(parse_number("12,5"));
  CHECK(*parse_number("12,5", true) == 12.5);
  CHECK(*parse_number("-3") == -3.0);
  CHECK_FALSE(parse_number(""));
  CHECK_FALSE(parse_number("nan"));
  CHECK_FALSE(parse_number("inf"));
  CHECK_FALSE(parse_number("abc"));
  CHECK_FALSE(parse_number("1.5x"));
}
