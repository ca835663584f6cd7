// The zone list and summary.json of a run, from the steps' results.
#include <cmath>
#include <map>
#include <numeric>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "oasis/core/checksum.hpp"
#include "oasis/core/version.hpp"
#include "oasis/model/geometry.hpp"
#include "oasis/runner/steps.hpp"
#include "util.hpp"

namespace oasis::runner {
namespace {

json population_by(std::span<const std::string> labels, std::span<const double> population) {
  std::map<std::string, std::pair<std::size_t, double>> acc;
  double total = 0;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    auto& a = acc[labels[i]];
    ++a.first;
    a.second += population[i];
    total += population[i];
  }
  json out = json::object();
  for (const auto& [k, v] : acc) out[k] = {{"communes", v.first}, {"population", v.second}, {"share", total > 0 ? v.second / total : 0.0}};
  return out;
}

json files_json(const std::vector<std::filesystem::path>& files) {
  json out = json::array();
  for (const auto& f : files) out.push_back({{"file", f.string()}, {"sha256", sha256_file(f)}});
  return out;
}

}  // namespace

std::string num_csv(double v, bool fr, const char* spec) {
  if (!std::isfinite(v)) return {};
  auto s = fmt::format(fmt::runtime(spec), v);
  if (fr) std::replace(s.begin(), s.end(), '.', ',');
  return s;
}

std::string quote(std::string_view s, char sep) {
  if (s.find_first_of(std::string("\"\n\r") + sep) == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string simulation_notice(bool official) {
  return official ? "official zoning list imported: zones of the listed communes are the official ones"
                  : "simulated zoning: not the ARS's official list";
}

std::vector<ZoneRow> zone_rows(const Inputs& in, const Indicators& ind, const Zoning& z, const Flags& f) {
  const auto& t = in.territory;
  std::vector<ZoneRow> rows;
  rows.reserve(t.size());
  for (CommuneId c = 0; c < t.size(); ++c) {
    ZoneRow row{t.code()[c].to_string(),
                t.name()[c],
                in.units.code[in.units.unit_of[c]],
                t.population()[c],
                ind.access.value[c],
                z.indicator[c],
                z.zone_label[c],
                z.result.rule[c],
                z.unit_indicator[c],
                z.cls[c]};
    row.density_100k = ind.density[c];
    row.time_gp_min = ind.time_gp[c];
    if (!f.time_urgences.empty()) row.time_urgences_min = f.time_urgences[c];
    if (!f.time_su.empty()) row.time_su_min = f.time_su[c];
    row.x = t.x()[c];
    row.y = t.y()[c];
    rows.push_back(std::move(row));
  }
  return rows;
}

json build_summary(const scenario::Scenario& s, const Inputs& in, const Travel& tr, const Indicators& ind, const Zoning& z, const Flags& f,
                   const std::optional<Siting>& sit, const Diagnostics& diag) {
  const auto& t = in.territory;
  const auto& zr = z.result;
  json S;
  S["engine"] = std::string("oasis ") + kVersion;
  S["scenario"] = {{"name", s.name},
                   {"description", s.description},
                   {"files", files_json(s.chain)},
                   {"resolved_sha256", sha256_text(s.resolved_toml)},
                   {"resolved", s.resolved_toml}};
  S["simulation"] = simulation_notice(in.official.has_value());
  S["data"] = in.data;
  S["territory"] = {{"communes", t.size()},
                    {"population", t.total_population()},
                    {"regions", s.territory.regions},
                    {"departements", s.territory.departements},
                    {"communes_listed", s.territory.communes.size()},
                    {"excluded", in.excluded},
                    {"without_boundary", in.without_boundary}};
  S["modifications"] = in.modifications;
  S["supply"] = {
      {"kind", s.supply.kind},
      {"total_before", std::accumulate(in.supply_before.begin(), in.supply_before.end(), 0.0)},
      {"total", std::accumulate(in.supply.begin(), in.supply.end(), 0.0)},
      {"ages_known", in.table.has_age()},
      {"apl_unit", !ind.apl ? std::string("amount")
                   : ind.calibration
                       ? std::string("consultations/year: the model supply of each commune (supply.csv), moved by the modifications")
                       : fmt::format("consultations/year = amount x {}", ind.activity)},
      {"model", !ind.apl          ? std::string("amount")
                : ind.calibration ? ind.calibration->summary.at("model").get<std::string>()
                                  : std::string("raw")}};
  S["supply"]["description"] = supply_model_text(s, ind);
  if (ind.calibration) S["supply"][S["supply"]["model"] == "raw" ? "raw" : "calibration"] = ind.calibration->summary;
  S["travel"] = {{"model", tr.od.model}, {"cutoff_min", tr.od.cutoff_min}, {"pairs", tr.od.pairs()}};
  if (tr.od.cutoff_min > s.travel.cutoff_min) {  // raised by travel_settings(): say why
    std::vector<std::string> why;
    if (!s.flags.urgences.empty() && s.flags.urgences_max_min > s.travel.cutoff_min)
      why.push_back(fmt::format("flags.urgences_max_min = {} (every commune's time to urgent care)", s.flags.urgences_max_min));
    if (s.flags.deficit_2003 && zoning::kDeficit2003FarMinutes > s.travel.cutoff_min)
      why.push_back(fmt::format("flags.deficit_2003 (its {}-minute rule)", zoning::kDeficit2003FarMinutes));
    S["travel"]["cutoff_min_scenario"] = s.travel.cutoff_min;
    S["travel"]["cutoff_raised_by"] = fmt::format("{}", fmt::join(why, "; "));
  }
  const auto& res = ind.access;
  const auto ineq = access::inequality(res.value, ind.demand, s.access.line);
  // The concentration index over the communes ranked by population density (most rural first).
  std::vector<double> density(in.territory.size(), NAN);
  for (CommuneId c = 0; c < in.territory.size(); ++c)
    if (const double km2 = area_m2(in.territory.shape(c)) / 1e6; km2 > 0) density[c] = in.territory.population()[c] / km2;
  const double ci = access::concentration_index(res.value, ind.demand, density);
  std::size_t flagged = 0;
  for (auto fl : res.flag) flagged += fl != 0;
  S["access"] = {{"method", access::method_name(ind.params.method)},
                 {"decay", ind.params.decay.spec()},
                 {"demand", ind.demand_field},
                 {"weighted_mean", ineq.weighted_mean},
                 {"gini", ineq.gini},
                 {"palma", jnum(ineq.palma)},
                 {"theil", ineq.theil},
                 {"concentration_index_density", jnum(ci)},
                 {"line", s.access.line},
                 {"share_below", ineq.share_below},
                 {"population_below", ineq.population_below},
                 {"communes_flagged", flagged},
                 {"supply_without_demand", res.supply_without_demand}};
  if (ind.params.method == access::Method::spatial_availability) {
    S["access"]["sa_alpha"] = ind.params.sa_alpha;
    S["access"]["sa_output"] = access::sa_output_name(ind.params.sa_per_capita);
  }
  if (ind.access_u65) S["access"]["weighted_mean_u65"] = access::inequality(ind.access_u65->value, ind.demand, s.access.line).weighted_mean;
  if (const auto* off = t.column("apl_official"); off && ind.apl)
    if (const auto fid = access::fidelity(res.value, *off, s.access.line)) S["access"]["fidelity"] = fidelity_json(fid);
  json regions = json::array();
  for (const auto& r : zr.regions)
    regions.push_back({{"region", r.region},
                       {"population", r.population},
                       {"caps", r.has_caps ? json{{"zip", r.caps.zip}, {"zac", r.caps.zac}} : json(nullptr)},
                       {"zip_mandatory_population", r.zip_mandatory_population},
                       {"zip_population", r.zip_population},
                       {"zac_population", r.zac_population},
                       {"zip_share", r.population > 0 ? r.zip_population / r.population : 0.0},
                       {"zac_share", r.population > 0 ? r.zac_population / r.population : 0.0},
                       {"vivier_units", r.vivier_units},
                       {"vivier_picked_zip", r.vivier_picked_zip},
                       {"vivier_picked_zac", r.vivier_picked_zac}});
  if (!ind.extras.empty()) {
    S["indicators"] = json::object();
    for (const auto& e : ind.extras) S["indicators"][e.name] = e.summary;
  }
  S["zoning"] = {{"indicator", s.zoning.indicator},
                 {"units", in.units.kind},
                 {"unit_count", in.units.size()},
                 {"zip_below", z.rules.zip_below},
                 {"vivier_below", z.rules.vivier_below},
                 {"fill", s.zoning.fill},
                 {"by_zone", population_by(z.zone_label, t.population())},
                 {"by_class", population_by(z.cls, t.population())},
                 {"units_by_zone", population_by(z.unit_zone_label, zr.unit_population)},
                 {"regions", regions},
                 {"official", in.official ? in.official_report : json(nullptr)},
                 {"official_overrides", zr.official_overrides}};
  S["flags"] = f.summary;
  if (sit) S["siting"] = sit->summary;
  S["warnings"] = json::object();
  for (const auto& [kind, count] : diag.counts()) S["warnings"][std::string(warn_name(kind))] = count;
  return S;
}

}  // namespace oasis::runner
