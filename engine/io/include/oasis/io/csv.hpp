#pragma once
// Delimited text (CSV with ',', ';', '|' or tab) as published by INSEE, DREES, ANS, SIRENE:
// UTF-8 with or without BOM, or Latin-1; LF or CRLF; quoted fields; decimal commas with ';'.
#include <cstddef>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace oasis::io {

struct CsvRecord {
  std::size_t number;  // 1-based data record number (the header is record 0)
  std::size_t line;    // 1-based line in the file where the record starts
  std::span<const std::string> fields;
};

class CsvFile {
 public:
  /// Opens and reads the whole file; `separator` 0 = detect from the header line.
  /// Throws Error(io) if unreadable, Error(empty_input) if there is no header.
  explicit CsvFile(const std::filesystem::path& path, char separator = 0);

  const std::filesystem::path& path() const noexcept { return path_; }
  const std::vector<std::string>& header() const noexcept { return header_; }
  char separator() const noexcept { return sep_; }
  bool was_latin1() const noexcept { return latin1_; }
  bool decimal_comma() const noexcept { return sep_ == ';'; }

  /// Index of the first header matching one of `names` (case-insensitive, trimmed).
  std::optional<std::size_t> column(std::initializer_list<std::string_view> names) const;
  /// Same, but throws Error(field_missing) naming the file, `what` and the columns present.
  std::size_t require(std::initializer_list<std::string_view> names, std::string_view what) const;

  /// Calls fn for each data record. Exceptions thrown by fn stop the scan and propagate.
  /// Records with fewer fields than the header are padded with empty fields.
  void for_each(const std::function<void(const CsvRecord&)>& fn) const;

  /// "file, line 12" for messages.
  std::string where(const CsvRecord& r) const;

 private:
  std::filesystem::path path_;
  std::string text_;  // UTF-8, without BOM
  std::size_t body_offset_ = 0;
  std::size_t body_line_ = 2;
  std::vector<std::string> header_;
  char sep_ = ',';
  bool latin1_ = false;
};

/// Parses a number written with '.' (or ',' when `decimal_comma`), spaces trimmed.
/// Returns nullopt for an empty or non-numeric field; NaN and infinities are rejected too.
std::optional<double> parse_number(std::string_view text, bool decimal_comma = false);

/// Trims ASCII spaces and quotes.
std::string_view trim(std::string_view s);

}  // namespace oasis::io
