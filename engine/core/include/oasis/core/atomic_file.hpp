#pragma once
// Outputs are written to a temporary name beside the target, then renamed: a run that dies
// mid-write leaves the previous output intact.
#include <filesystem>
#include <string>
#include <string_view>

namespace oasis {

/// Writes `content` to `path` atomically. Throws Error(Errc::exists) if the file exists and
/// `overwrite` is false, Error(Errc::io) if it cannot be written.
void write_file_atomic(const std::filesystem::path& path, std::string_view content, bool overwrite);

/// The bytes of a whole file. Throws Error(Errc::io) naming `what` (e.g. "the rule file") and `fix`.
std::string read_file(const std::filesystem::path& path, std::string_view what = "the file", std::string_view fix = "check the path");

}  // namespace oasis
