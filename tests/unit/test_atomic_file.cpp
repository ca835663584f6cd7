#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "oasis/core/atomic_file.hpp"
#include "oasis/core/error.hpp"

namespace fs = std::filesystem;

namespace {
std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
}  // namespace

TEST_CASE("atomic writes replace only on success and refuse to clobber") {
  const auto dir = fs::temp_directory_path() / "oasis_atomic_test";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const auto target = dir / "out.csv";
  oasis::write_file_atomic(target, "first\n", false);
  CHECK(slurp(target) == "first\n");
  try {
    oasis::write_file_atomic(target, "second\n", false);
    FAIL("overwrote without --overwrite");
  } catch (const oasis::Error& e) {
    CHECK(e.code() == oasis::Errc::exists);
  }
  CHECK(slurp(target) == "first\n");
  oasis::write_file_atomic(target, "second\n", true);
  CHECK(slurp(target) == "second\n");
  // No temporary file is left behind.
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++files;
  CHECK(files == 1);
  fs::remove_all(dir);
}
