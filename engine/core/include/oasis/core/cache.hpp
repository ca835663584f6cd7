#pragma once
// The prepared-input cache (docs/cache.md): binary copies of what slow readers produce (the COG
// package, the boundaries of a selection), each entry keyed on a text that names every input
// file's SHA-256 and every option that changes the result, so that a changed input is a miss,
// never a stale answer. An entry is written to a temporary name and renamed into place: concurrent
// runs never see half an entry (two runs that miss together write the same bytes; the last rename
// wins). A damaged, truncated or foreign entry is a miss, and is rewritten.
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace oasis {

class FileCache {
 public:
  FileCache() = default;  // off: every read misses, writes are skipped
  explicit FileCache(std::filesystem::path dir, std::size_t keep_per_kind = 24) : dir_(std::move(dir)), keep_(keep_per_kind) {}

  /// $XDG_CACHE_HOME/oasis, else $HOME/.cache/oasis, else off.
  static FileCache user_default();

  bool enabled() const noexcept { return !dir_.empty(); }
  const std::filesystem::path& dir() const noexcept { return dir_; }

  /// The payload kept for (`kind`, `key`), or nullopt: absent, written by another format or
  /// version, for another key, or damaged (its SHA-256 does not match).
  std::optional<std::string> read(std::string_view kind, std::string_view key) const;

  /// Keeps `payload` for (`kind`, `key`) and removes the least recently used entries of `kind`
  /// beyond `keep_per_kind`. A cache that cannot be written (read-only home, full disk) is skipped
  /// silently: the run does not depend on it.
  void write(std::string_view kind, std::string_view key, std::string_view payload) const;

  /// The entry's file (whether or not it exists).
  std::filesystem::path entry(std::string_view kind, std::string_view key) const;

 private:
  std::filesystem::path dir_;
  std::size_t keep_ = 24;
};

}  // namespace oasis
