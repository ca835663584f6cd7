#pragma once
// Reading and writing OD tables: long-format CSV (from_id,to_id,minutes — also the column names
// of INSEE Metric-OSRM, r5r / ipeaGIT accessibility and pysal/access) and a compact binary format.
#include <cstddef>
#include <filesystem>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "oasis/core/diagnostics.hpp"
#include "oasis/travel/od.hpp"

namespace oasis::travel {

/// Maps an external id (INSEE code, site id) to a dense index, or nullopt when unknown.
using IdLookup = std::function<std::optional<std::uint32_t>(std::string_view)>;

struct OdReadOptions {
  std::string from_column, to_column, cost_column;            // empty: detect (see docs/travel.md)
  double max_cost = std::numeric_limits<double>::infinity();  // pairs above are dropped
  /// When origins and destinations are the same set (communes): time of i -> i when the file
  /// does not give it. NaN = leave absent.
  double intra_min = std::numeric_limits<double>::quiet_NaN();
};

struct OdReadReport {
  std::string file;
  std::size_t records = 0, kept = 0, above_cutoff = 0, unmatched_records = 0, intra_added = 0;
  std::vector<std::string> unmatched_from, unmatched_to;  // distinct unknown ids (sorted, first 1000)
  std::string from_column, to_column, cost_column;
};

/// Reads a long-format OD CSV. Unknown ids are counted (W-CODE-UNMATCHED) and skipped; negative,
/// NaN or non-numeric costs, a duplicate pair, missing columns and an empty file are errors that
/// name the line.
OdMatrix read_od_csv(const std::filesystem::path& path, const IdLookup& from, std::size_t n_from, const IdLookup& to, std::size_t n_to,
                     const OdReadOptions& options, Diagnostics& diagnostics, OdReadReport& report);

/// Reads an OD table in either format, told apart by its first bytes (the ".odb" magic, else CSV),
/// whatever its name: the binary table's ids go through the lookups as the CSV's do (unknown ids
/// counted, pairs above max_cost dropped, the same refusals). `oasis access --od`, `oasis site --od`
/// and the table travel model read through it.
OdMatrix read_od(const std::filesystem::path& path, const IdLookup& from, std::size_t n_from, const IdLookup& to, std::size_t n_to,
                 const OdReadOptions& options, Diagnostics& diagnostics, OdReadReport& report);
/// Whether the file starts with the ".odb" magic.
bool is_od_binary(const std::filesystem::path& path);

/// Writes `from_id,to_id,minutes` rows (minutes with 2 decimals) atomically.
void write_od_csv(const std::filesystem::path& path, const OdMatrix& od, const std::vector<std::string>& from_ids,
                  const std::vector<std::string>& to_ids, bool overwrite);

/// Compact binary (".odb"): magic "OASISOD1", sizes, cutoff, intra time, model, ids, CSR arrays
/// (little-endian). About 8 bytes per pair.
void write_od_binary(const std::filesystem::path& path, const OdMatrix& od, const std::vector<std::string>& from_ids,
                     const std::vector<std::string>& to_ids, bool overwrite);
struct OdFile {
  OdMatrix od;
  std::vector<std::string> from_ids, to_ids;
};
OdFile read_od_binary(const std::filesystem::path& path);

}  // namespace oasis::travel
