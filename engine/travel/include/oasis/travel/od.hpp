#pragma once
// Sparse origin-destination table in CSR form: for each origin (demand), the destinations
// (supply) reachable within the cutoff, sorted by destination id, with the travel time in minutes.
// Memory: 4 bytes (destination id) + 4 bytes (minutes) per pair, + 8 bytes per origin.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace oasis::travel {

struct OdMatrix {
  /// Row o holds dest[first[o] .. first[o + 1]). first has n_origins + 1 entries.
  std::vector<std::uint64_t> first{0};
  std::vector<std::uint32_t> dest;
  std::vector<float> minutes;
  std::size_t n_destinations = 0;
  /// Pairs above the cutoff are absent. Infinity for an imported table without cutoff.
  double cutoff_min = std::numeric_limits<double>::infinity();
  /// Time given to a commune to itself when origins and destinations are the same communes
  /// (DREES / Metric convention: 0). NaN when origins and destinations are different sets.
  double intra_min = std::numeric_limits<double>::quiet_NaN();
  /// What built it, e.g. "commune-graph detour=1.15 speed=60 urban_speed=30".
  std::string model;

  std::size_t n_origins() const noexcept { return first.size() - 1; }
  std::size_t pairs() const noexcept { return dest.size(); }
  std::span<const std::uint32_t> destinations(std::size_t o) const noexcept {
    return {dest.data() + first[o], static_cast<std::size_t>(first[o + 1] - first[o])};
  }
  std::span<const float> times(std::size_t o) const noexcept {
    return {minutes.data() + first[o], static_cast<std::size_t>(first[o + 1] - first[o])};
  }
  /// Travel time o -> d if the pair is in the table (binary search in the row).
  std::optional<float> time(std::size_t o, std::uint32_t d) const noexcept;
  std::size_t memory_bytes() const noexcept;

  /// Destinations become origins: the supply-side view used by floating-catchment methods.
  OdMatrix transposed() const;
  /// Keeps only the pairs with time <= cutoff (which must be <= the current cutoff).
  OdMatrix restricted(double cutoff) const;
  /// Throws Error(internal) if the structure is inconsistent (unsorted rows, ids out of range,
  /// negative or non-finite times, times above the cutoff).
  void validate() const;
};

using OdRow = std::vector<std::pair<std::uint32_t, float>>;

/// A stored time (float: about 7 significant digits) as the number it was written as: the double
/// nearest to the float's shortest decimal form, so 5.8 read from a file comes back 5.8, not
/// 5.800000190734863. Every time an output echoes (cost to closest, time to nearest) goes through it.
double minutes_as_given(float minutes) noexcept;

/// Throws Error(value_invalid) unless the cutoff is a finite number of minutes > 0.
void check_cutoff(double cutoff_min);

/// Assembles rows (any order inside a row) into a CSR table; rows are sorted by destination.
/// Throws Error(code_duplicate) if a row names the same destination twice.
OdMatrix assemble(std::vector<OdRow>&& rows, std::size_t n_destinations);

}  // namespace oasis::travel
