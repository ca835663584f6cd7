#pragma once
// Helpers of the geodata tests: a scratch folder per test and the small COG fixture.
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

namespace oasis::test {

inline std::filesystem::path data_dir() { return OASIS_TEST_DATA; }

/// A fresh, empty folder under the system temporary directory.
inline std::filesystem::path scratch(const std::string& name) {
  const auto p = std::filesystem::temp_directory_path() / ("oasis_test_" + name);
  std::filesystem::remove_all(p);
  std::filesystem::create_directories(p);
  return p;
}

inline std::filesystem::path write(const std::filesystem::path& p, std::string_view bytes) {
  std::ofstream out(p, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return p;
}

}  // namespace oasis::test
