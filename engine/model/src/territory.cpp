#include "oasis/model/territory.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "oasis/core/error.hpp"

namespace oasis {

double area_m2(const MultiPolygon& mp) {
  auto ring_area = [](const Ring& r) {
    double a = 0.0;
    for (std::size_t i = 0; i + 1 < r.size(); ++i) a += r[i].x * r[i + 1].y - r[i + 1].x * r[i].y;
    return std::abs(a) / 2.0;
  };
  double total = 0.0;
  for (const auto& p : mp) {
    total += ring_area(p.outer);
    for (const auto& h : p.holes) total -= ring_area(h);
  }
  return total;
}

Territory Territory::subset(std::span<const CommuneId> keep) const {
  std::vector<CommuneId> ids(keep.begin(), keep.end());
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  std::vector<CommuneRecord> records;
  records.reserve(ids.size());
  for (const auto id : ids) {
    if (id >= size()) throw Error(Errc::internal, fmt::format("Territory::subset: id {} out of range", id));
    CommuneRecord r{code_[id], {}, {}, {}, {}, 0.0, 2154, {}, {}, {}};
    r.name = name_[id];
    r.departement = departement_[id];
    r.region = region_[id];
    r.epci = epci_[id];
    r.population = population_[id];
    r.epsg = epsg_[id];
    r.point = {x_[id], y_[id]};
    r.shape = shape_[id];
    r.former_codes = former_[id];
    records.push_back(std::move(r));
  }
  auto t = from_records(std::move(records));  // ids are sorted by code already: the order is kept
  for (const auto& [name, values] : columns_) {
    std::vector<double> v;
    v.reserve(ids.size());
    for (const auto id : ids) v.push_back(values[id]);
    t.set_column(name, std::move(v));
  }
  return t;
}

Territory Territory::from_records(std::vector<CommuneRecord> records) {
  std::sort(records.begin(), records.end(), [](const auto& a, const auto& b) { return a.code < b.code; });
  for (std::size_t i = 1; i < records.size(); ++i)
    if (records[i].code == records[i - 1].code)
      throw Error(Errc::code_duplicate, fmt::format("commune {} given twice", records[i].code.str()), {},
                  fmt::format("commune {}", records[i].code.str()), "each commune must appear once");
  Territory t;
  const auto n = records.size();
  t.code_.reserve(n);
  t.name_.reserve(n);
  t.departement_.reserve(n);
  t.region_.reserve(n);
  t.epci_.reserve(n);
  t.population_.reserve(n);
  t.x_.reserve(n);
  t.y_.reserve(n);
  t.epsg_.reserve(n);
  t.shape_.reserve(n);
  t.former_.reserve(n);
  for (auto& r : records) {
    if (!std::isfinite(r.population) || r.population < 0)
      throw Error(Errc::value_invalid, fmt::format("population {} is negative or not a number", r.population), {},
                  fmt::format("commune {}", r.code.str()), "populations are counts of inhabitants, >= 0");
    t.index_.emplace(r.code, static_cast<CommuneId>(t.code_.size()));
    t.code_.push_back(r.code);
    t.name_.push_back(std::move(r.name));
    t.departement_.push_back(std::move(r.departement));
    t.region_.push_back(std::move(r.region));
    t.epci_.push_back(std::move(r.epci));
    t.population_.push_back(r.population);
    t.x_.push_back(r.point.x);
    t.y_.push_back(r.point.y);
    t.epsg_.push_back(r.epsg);
    t.shape_.push_back(std::move(r.shape));
    std::sort(r.former_codes.begin(), r.former_codes.end());
    t.former_.push_back(std::move(r.former_codes));
  }
  return t;
}

std::optional<CommuneId> Territory::find(const CodeInsee& code) const {
  auto it = index_.find(code);
  if (it == index_.end()) return std::nullopt;
  return it->second;
}

CommuneId Territory::at(const CodeInsee& code) const {
  if (auto id = find(code)) return *id;
  throw Error(Errc::code_unknown, fmt::format("commune {} is not in the territory", code.str()));
}

double Territory::total_population() const noexcept {
  double s = 0.0;
  for (double p : population_) s += p;
  return s;
}

void Territory::set_column(const std::string& name, std::vector<double> values) {
  if (values.size() != size())
    throw Error(Errc::internal, fmt::format("column {} has {} values for {} communes", name, values.size(), size()));
  columns_[name] = std::move(values);
}

const std::vector<double>* Territory::column(const std::string& name) const {
  auto it = columns_.find(name);
  return it == columns_.end() ? nullptr : &it->second;
}

std::vector<std::string> Territory::column_names() const {
  std::vector<std::string> out;
  for (const auto& [k, v] : columns_) out.push_back(k);
  return out;
}

}  // namespace oasis
