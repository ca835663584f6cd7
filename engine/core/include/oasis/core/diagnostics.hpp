#pragma once
// Findings of a load or a computation that do not stop it: counted per kind, each with the file,
// the record and what to do. Nothing is silently dropped: every rejected record is counted here.
#include <cstddef>
#include <map>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace oasis {

enum class Warn : int {
  geometry_repaired,  // invalid polygon repaired with MakeValid
  geometry_empty,     // empty or non-polygonal geometry: record rejected
  code_merged,        // former code (COG anciensCodes) folded into its current commune
  code_unmatched,     // a code that matches no commune of the territory: record rejected
  code_outside,       // a valid commune outside the selected territory: record skipped
  no_boundary,        // a commune of the territory without any polygon in the boundary files
  no_value,           // a commune without a value in an attribute file (left missing)
  point_outside,      // a point in no commune polygon: record rejected
  value_invalid,      // a non-numeric / negative value in a record: record rejected
  encoding,           // file not in UTF-8: read as Latin-1
  record_skipped,     // a record filtered out by a documented rule (e.g. not a GP)
};

std::string_view warn_name(Warn w) noexcept;

struct Finding {
  Warn kind;
  std::string file;
  std::string record;
  std::string message;
};

class Diagnostics {
 public:
  /// How many findings of each kind keep their full text (the rest are only counted).
  explicit Diagnostics(std::size_t keep_per_kind = 20) : keep_(keep_per_kind) {}
  Diagnostics(const Diagnostics&) = delete;
  Diagnostics& operator=(const Diagnostics&) = delete;

  void add(Warn kind, std::string file, std::string record, std::string message);
  void count(Warn kind, std::size_t n);  // bulk count without text
  std::size_t count(Warn kind) const;
  std::size_t total() const;
  std::map<Warn, std::size_t> counts() const;
  std::vector<Finding> findings() const;  // kept ones, in order of arrival per kind

 private:
  mutable std::mutex mutex_;
  std::size_t keep_;
  std::map<Warn, std::size_t> counts_;
  std::map<Warn, std::vector<Finding>> kept_;
};

}  // namespace oasis
