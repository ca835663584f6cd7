#pragma once
// Supply records (practitioners, establishments, MSP capacity) attached to communes.
#include <cmath>
#include <string>
#include <vector>

#include "oasis/model/territory.hpp"

namespace oasis {

struct SupplyTable {
  std::string kind;    // what is counted, e.g. "generaliste"
  std::string unit;    // "headcount", "etp", "consultations", "establishments"
  std::string source;  // file it came from
  std::vector<CommuneId> commune;
  std::vector<double> amount;
  std::vector<std::string> id;  // practitioner / establishment identifier, or the commune code
  std::vector<double> x, y;     // location in the commune's CRS when known, NaN otherwise
  std::vector<double> age;      // practitioner's age in years, when the source has it (empty otherwise)

  bool has_age() const noexcept { return !age.empty() && age.size() == commune.size(); }

  std::size_t size() const noexcept { return commune.size(); }
  void add(CommuneId c, double a, std::string ident, double px = NAN, double py = NAN);
  double total() const noexcept;
  /// Sum of amounts per commune (vector of territory size).
  std::vector<double> per_commune(std::size_t n_communes) const;
};

}  // namespace oasis
