#pragma once
// The territory: communes with dense ids 0..n-1 (sorted by INSEE code), as columns.
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "oasis/core/code_insee.hpp"
#include "oasis/model/geometry.hpp"

namespace oasis {

using CommuneId = std::uint32_t;

/// One commune as handed over by a loader; Territory stores it column-wise.
struct CommuneRecord {
  CodeInsee code;
  std::string name;
  std::string departement;                // "01", "2A", "971"
  std::string region;                     // "84"
  std::string epci;                       // SIREN of the EPCI, empty when none
  double population = 0.0;                // legal population (inhabitants)
  int epsg = 2154;                        // projected CRS of x, y and shape
  PointXY point;                          // representative point (point-on-surface), metres
  MultiPolygon shape;                     // boundary, metres; may be empty for point-only territories
  std::vector<std::string> former_codes;  // codes folded into this commune (COG anciensCodes)
};

class Territory {
 public:
  Territory() = default;
  /// Sorts by code and assigns dense ids. Throws Error(code_duplicate) on a repeated code.
  static Territory from_records(std::vector<CommuneRecord> records);

  /// The communes `keep` (ids of this territory, any order), with their extra columns; ids are
  /// renumbered in code order.
  Territory subset(std::span<const CommuneId> keep) const;

  std::size_t size() const noexcept { return code_.size(); }
  bool empty() const noexcept { return code_.empty(); }
  std::optional<CommuneId> find(const CodeInsee& code) const;
  /// Throws Error(code_unknown) when absent.
  CommuneId at(const CodeInsee& code) const;

  const std::vector<CodeInsee>& code() const noexcept { return code_; }
  const std::vector<std::string>& name() const noexcept { return name_; }
  const std::vector<std::string>& departement() const noexcept { return departement_; }
  const std::vector<std::string>& region() const noexcept { return region_; }
  const std::vector<std::string>& epci() const noexcept { return epci_; }
  const std::vector<double>& population() const noexcept { return population_; }
  const std::vector<int>& epsg() const noexcept { return epsg_; }
  const std::vector<double>& x() const noexcept { return x_; }
  const std::vector<double>& y() const noexcept { return y_; }
  const MultiPolygon& shape(CommuneId id) const { return shape_.at(id); }
  const std::vector<std::string>& former_codes(CommuneId id) const { return former_.at(id); }

  double total_population() const noexcept;

  /// Extra numeric columns (age-standardised population, official APL, ...); NaN = missing.
  void set_column(const std::string& name, std::vector<double> values);
  const std::vector<double>* column(const std::string& name) const;
  std::vector<std::string> column_names() const;

 private:
  std::vector<CodeInsee> code_;
  std::vector<std::string> name_, departement_, region_, epci_;
  std::vector<double> population_, x_, y_;
  std::vector<int> epsg_;
  std::vector<MultiPolygon> shape_;
  std::vector<std::vector<std::string>> former_;
  std::unordered_map<CodeInsee, CommuneId> index_;
  std::map<std::string, std::vector<double>> columns_;
};

}  // namespace oasis
