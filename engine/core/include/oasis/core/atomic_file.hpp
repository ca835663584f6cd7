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

/// A folder written whole (docs/decisions/0003-whole-folder-commit.md): files go into a staging
/// folder beside `target` (same file system), and commit() swaps it in with one rename (Linux
/// renameat2 RENAME_EXCHANGE when `target` exists), then removes the previous folder. A run killed,
/// cancelled or failed at any moment leaves `target` as it was or complete; the staging and
/// previous folders it may leave (".NAME.oasis-staging-PID") are removed by the next StagedFolder
/// on the same target once their process is gone.
class StagedFolder {
 public:
  /// Creates the staging folder. Throws Error(io) naming the path.
  explicit StagedFolder(std::filesystem::path target);
  StagedFolder(const StagedFolder&) = delete;
  StagedFolder& operator=(const StagedFolder&) = delete;
  ~StagedFolder();  // removes the staging folder unless committed

  const std::filesystem::path& dir() const noexcept { return staging_; }
  const std::filesystem::path& target() const noexcept { return target_; }
  /// Swaps the staging folder in. Throws Error(io) naming the path; `target` is then unchanged.
  void commit();

 private:
  std::filesystem::path target_, staging_;
  bool committed_ = false;
};

}  // namespace oasis
