// Typo suggestions and the UTF-8 check behind the CLI's and the scenario reader's messages.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "oasis/core/suggest.hpp"

using namespace oasis;

TEST_CASE("edit distance and the closest word", "[core]") {
  CHECK(edit_distance("", "") == 0);
  CHECK(edit_distance("--ouput", "--output") == 1);  // one insertion
  CHECK(edit_distance("kitten", "sitting") == 3);    // the textbook case
  CHECK(edit_distance("zip_bellow", "zip_below") == 1);
  const std::vector<std::string> opts{"--output", "--overwrite", "--quiet", "--progress"};
  CHECK(closest("--ouput", opts) == "--output");
  CHECK(closest("--overwirte", opts) == "--overwrite");  // a swap: two substitutions
  CHECK(closest("--colour", opts).empty());              // 6 edits from the nearest: no guess
  const std::vector<std::string> units{"epci", "commune", "departement", "file"};
  CHECK(closest("epcci", units) == "epci");
  CHECK(closest("tvs", units).empty());
}

TEST_CASE("UTF-8 validity names the first bad byte", "[core]") {
  std::size_t at = 99;
  CHECK(valid_utf8("name = \"Scénario\"\n"));
  CHECK(valid_utf8("\xF0\x9F\x8F\xA5"));  // a 4-byte character
  CHECK_FALSE(valid_utf8("name = \"Sc\xE9nario\"", &at));
  CHECK(at == 10);                         // Latin-1 é
  CHECK_FALSE(valid_utf8("ab\xC3", &at));  // truncated sequence
  CHECK(at == 2);
  CHECK_FALSE(valid_utf8("\xC0\xAF", &at));  // overlong '/'
  CHECK(at == 0);
  CHECK_FALSE(valid_utf8("\xED\xA0\x80", &at));  // a UTF-16 surrogate
  CHECK_FALSE(valid_utf8("\x80", &at));
}
