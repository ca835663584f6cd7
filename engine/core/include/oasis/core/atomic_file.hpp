#pragma once
// Outputs are written to a temporary name beside the target, then renamed: a run that dies
// mid-write leaves the previous output intact.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace oasis {

/// Writes `content` to `path` atomically. Throws Error(Errc::exists) if the file exists and
/// `overwrite` is false, Error(Errc::io) if it cannot be written.
void write_file_atomic(const std::filesystem::path& path, std::string_view content, bool overwrite);

/// What an input is, for its size limit (docs/reliability.md, "Input limits").
enum class InputKind {
  text,      // scenario and grant rule files, source pages: 64 MB
  table,     // delimited tables (supply, zone lists, travel tables, applications): 4,096 MB
  geometry,  // boundary and outline files (GeoJSON, GeoPackage, Shapefile): 2,048 MB a file
  json,      // the COG package's JSON files: 512 MB
};
/// The limit of a kind in bytes: its default, or OASIS_MAX_INPUT_MB (a positive whole number of
/// MB) for every kind when that variable is set.
std::uint64_t input_limit(InputKind kind);
/// The geometry budget (docs/reliability.md, "Input limits"): the most vertices one feature of a
/// boundary or outline file may hold, 2,000,000 by default (the largest feature of the shared
/// data holds 11,249), or OASIS_MAX_VERTICES (a positive whole number). A file, and a whole read,
/// may hold at most kVerticesPerRead times it. Checked before a geometry is validated, repaired or
/// copied; beyond it, Error(memory) with the count and the memory it would take.
std::uint64_t vertex_budget();
inline constexpr std::uint64_t kDefaultVertexBudget = 2'000'000;
inline constexpr std::uint64_t kVerticesPerRead = 50;
/// Measured peak memory of reading one vertex (docs/reliability.md): parsing GeoJSON text
/// (json-c objects, then GEOS validity checks), and reading a binary format (GeoPackage, Shapefile).
inline constexpr std::uint64_t kGeoJsonBytesPerVertex = 520;
inline constexpr std::uint64_t kBinaryBytesPerVertex = 150;
/// Checks an input before it is read: it exists, it is a regular file (a FIFO, a device or a
/// folder would block or never end: Error(io) saying which), and it is within its limit
/// (Error(limit) with the size, the limit and the override). Also records the file's real path
/// for the current InputScope (below).
void check_input_file(const std::filesystem::path& path, InputKind kind, std::string_view what = "the file");

/// While one lives (the CLI holds one per command), the real paths of the inputs checked by
/// check_input_file are recorded, and write_file_atomic / StagedFolder::commit refuse to replace
/// one of them (Error(usage) naming it): an output never overwrites the run's own input.
class InputScope {
 public:
  InputScope();
  ~InputScope();
  InputScope(const InputScope&) = delete;
  InputScope& operator=(const InputScope&) = delete;
};
/// Throws Error(usage) when `output` (a file, or a folder about to be replaced) is, or holds, an
/// input recorded in the current InputScope.
void refuse_input_as_output(const std::filesystem::path& output);

/// The bytes of a whole file (checked as check_input_file does, `kind` giving its limit). Throws
/// Error(Errc::io) naming `what` (e.g. "the rule file") and `fix`.
std::string read_file(const std::filesystem::path& path, std::string_view what = "the file", std::string_view fix = "check the path",
                      InputKind kind = InputKind::text);

/// A folder written whole (docs/decisions/0003-whole-folder-commit.md): files go into a staging
/// folder beside `target` (same file system), and commit() swaps it in with one rename (Linux
/// renameat2 RENAME_EXCHANGE when `target` exists), then removes the previous folder. A run killed,
/// cancelled or failed at any moment leaves `target` as it was or complete; the staging and
/// previous folders it may leave (".NAME.oasis-staging-PID") are removed by the next StagedFolder
/// on the same target once their process is gone.
class StagedFolder {
 public:
  /// Locks the target (another StagedFolder on it, in any process, gets Error(busy) with the
  /// holder's pid), then creates the staging folder. Throws Error(io) naming the path.
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
  std::filesystem::path lock_path_;
  int lock_fd_ = -1;  // ".NAME.oasis-lock" beside the target, locked (flock) while this lives
};

}  // namespace oasis
