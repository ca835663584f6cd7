#pragma once
// Shared by the libFuzzer targets: the input as a file (the readers take paths), and the rule that
// an oasis::Error is an answer (a refusal with a code), anything else a finding.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace oasis::fuzz {

/// A file holding the input, in a private temporary folder, rewritten at each call.
inline std::filesystem::path as_file(const std::uint8_t* data, std::size_t size, const char* name) {
  static const auto dir = [] {
    auto d = std::filesystem::temp_directory_path() / ("oasis-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    return d;
  }();
  const auto p = dir / name;
  std::ofstream(p, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  return p;
}

}  // namespace oasis::fuzz
