#include <catch2/catch.hpp>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "oasis/core/error.hpp"

// docs/errors.md is the user's table of exit codes: it must list every code, with its number.
TEST_CASE("docs/errors.md lists every error code with its number") {
  std::ifstream in(std::string(OASIS_SOURCE_DIR) + "/docs/errors.md");
  REQUIRE(in);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string doc = ss.str();
  std::set<int> seen;
  for (const auto& info : oasis::all_errcs()) {
    INFO(info.name);
    const std::regex row("\\|\\s*" + std::to_string(static_cast<int>(info.code)) + "\\s*\\|\\s*`" + std::string(info.name) + "`\\s*\\|");
    CHECK(std::regex_search(doc, row));
    CHECK(seen.insert(static_cast<int>(info.code)).second);
    CHECK(oasis::errc_name(info.code) == info.name);
  }
  CHECK(seen.size() >= 15);
}

TEST_CASE("a formatted error names the file, the record and the fix") {
  const oasis::Error e(oasis::Errc::code_duplicate, "commune 37261 appears twice", "pop.csv", "line 9", "keep one line per commune");
  const auto s = oasis::format_error(e);
  CHECK_THAT(s, Catch::Contains("E-CODE-DUPLICATE (31)"));
  CHECK_THAT(s, Catch::Contains("pop.csv, line 9"));
  CHECK_THAT(s, Catch::Contains("keep one line per commune"));
}
