#pragma once
// Outputs are written to a temporary name beside the target, then renamed: a run that dies
// mid-write leaves the previous output intact.
#include <filesystem>
#include <string_view>

namespace oasis {

/// Writes `content` to `path` atomically. Throws Error(Errc::exists) if the file exists and
/// `overwrite` is false, Error(Errc::io) if it cannot be written.
void write_file_atomic(const std::filesystem::path& path, std::string_view content, bool overwrite);

}  // namespace oasis
