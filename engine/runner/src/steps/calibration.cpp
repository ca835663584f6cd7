// Step "calibration" (supply.calibrate = "apl"): the baseline supply fitted on the published APL,
// with its département cross-validation, kept in a cache keyed on its inputs (docs/calibration.md).
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <map>
#include <numeric>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "oasis/access/calibrate.hpp"
#include "oasis/core/atomic_file.hpp"
#include "oasis/core/cache.hpp"
#include "oasis/core/checksum.hpp"
#include "oasis/core/error.hpp"
#include "oasis/core/version.hpp"
#include "oasis/runner/steps.hpp"
#include "util.hpp"

namespace oasis::runner {

namespace fs = std::filesystem;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

template <typename T>
void append_bytes(std::string& key, std::span<const T> v) {
  key += fmt::format("|{}:", v.size());
  key.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
}

std::vector<double> read_numbers(const json& a) {
  std::vector<double> v;
  v.reserve(a.size());
  for (const auto& x : a) v.push_back(x.is_null() ? kNaN : x.get<double>());
  return v;
}

json numbers(const std::vector<double>& v) {
  json a = json::array();
  for (double x : v) a.push_back(jnum(x));
  return a;
}

/// A fit as the cache keeps it: per commune of the space, the units, the fitted, cross-validated and
/// prior APL; the solver's figures.
struct Fit {
  std::vector<double> units, value, cv_value, prior_value;
  json figures;
};

/// The cached fit of `digest`, or nullopt (absent, another key or size, damaged: it is refitted).
std::optional<Fit> read_fit(const fs::path& file, const std::string& digest, std::size_t ns) {
  if (!fs::exists(file)) return std::nullopt;
  try {
    std::ifstream f(file);
    const auto j = json::parse(f);
    if (j.at("key").get<std::string>() != digest) return std::nullopt;
    Fit fit{read_numbers(j.at("units")), read_numbers(j.at("value")), read_numbers(j.at("cv_value")), read_numbers(j.at("prior_value")),
            j.at("fit")};
    const bool whole = fit.units.size() == ns && fit.value.size() == ns && fit.cv_value.size() == ns && fit.prior_value.size() == ns;
    return whole ? std::optional<Fit>(std::move(fit)) : std::nullopt;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

/// Fits, and keeps the fit in `file` (when given; a cache that cannot be written is skipped).
Fit fit_now(const access::CalibrationProblem& prob, const access::CalibrationSettings& set, std::span<const int> fold, double line,
            const fs::path& file, const fs::path& dir, const std::string& digest) {
  const auto rep = access::calibrate_and_validate(prob, set, fold, line);
  Fit fit{rep.fit.units,
          rep.value,
          rep.cv_value,
          rep.prior_value,
          {{"sweeps", rep.fit.sweeps},
           {"converged", rep.fit.converged},
           {"objective", rep.fit.objective},
           {"folds", rep.folds},
           {"fold_sweeps", rep.cv_sweeps}}};
  if (!rep.fit.factors.empty()) fit.figures["factors"] = rep.fit.factors;
  if (!file.empty()) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    const json j = {{"key", digest},
                    {"units", numbers(fit.units)},
                    {"value", numbers(fit.value)},
                    {"cv_value", numbers(fit.cv_value)},
                    {"prior_value", numbers(fit.prior_value)},
                    {"fit", fit.figures}};
    try {
      write_file_atomic(file, j.dump() + "\n", true);
    } catch (const Error&) {
      // No cache (read-only home...): the next run refits.
    }
  }
  return fit;
}

/// Headcount-weighted median of the activity per practitioner of each département (the activity
/// of the département's median practitioner); `fallback` where a département has none.
/// With `whole`, one median over the territory (every commune gets it).
std::vector<double> departement_median(const Territory& t, const std::vector<double>& per_gp, const std::vector<double>& headcount,
                                       double fallback, bool whole = false) {
  auto group = [&](CommuneId c) { return whole ? std::string() : t.departement()[c]; };
  std::map<std::string, std::vector<std::pair<double, double>>> by_dep;
  for (CommuneId c = 0; c < t.size(); ++c)
    if (headcount[c] > 0 && std::isfinite(per_gp[c])) by_dep[group(c)].emplace_back(per_gp[c], headcount[c]);
  std::map<std::string, double> median;
  for (auto& [dep, xs] : by_dep) {
    std::sort(xs.begin(), xs.end());
    double total = 0;
    for (const auto& x : xs) total += x.second;
    double cum = 0;
    for (const auto& [v, w] : xs) {
      cum += w;
      if (cum >= total / 2) {
        median[dep] = v;
        break;
      }
    }
  }
  std::vector<double> out(t.size(), fallback);
  for (CommuneId c = 0; c < t.size(); ++c)
    if (const auto it = median.find(group(c)); it != median.end()) out[c] = it->second;
  return out;
}

/// supply.combine: the headcount prior of each commune from the supply file and the second source
/// (empty second source: the first).
std::vector<double> combine_counts(const std::string& how, const std::vector<double>& first, const std::vector<double>& second) {
  if (how == "first" || second.empty()) return first;
  std::vector<double> out(first.size());
  for (std::size_t c = 0; c < first.size(); ++c) {
    const double a = first[c], b = second[c];
    out[c] = how == "mean" ? (a + b) / 2 : how == "min" ? std::min(a, b) : std::max(a, b);
  }
  return out;
}

/// What the calibration and the raw model share: the space (the run, or it and its ring), the
/// headcount and second source there, and the combined prior.
struct Space {
  bool ring = false;
  const Territory* ts = nullptr;
  std::vector<CommuneId> at;  // the id in the space of each commune of the run
  std::vector<double> headcount, recorded, prior;
};

Space space_of(const scenario::Scenario& s, const Inputs& in, const travel::OdMatrix* around_od) {
  const auto& t = in.territory;
  Space sp;
  sp.ring = in.around && around_od;
  sp.ts = sp.ring ? &in.around->territory : &t;
  sp.at.resize(t.size());
  for (CommuneId c = 0; c < t.size(); ++c) sp.at[c] = sp.ring ? in.around->of_inner[c] : c;
  sp.headcount = sp.ring ? in.around->supply : in.supply_before;
  sp.recorded = sp.ring ? in.around->recorded_sites : in.recorded_sites;
  sp.prior = combine_counts(s.supply.combine, sp.headcount, sp.recorded);
  return sp;
}

/// The per-practitioner figures of a baseline supply: activity per practitioner, and what an
/// added one brings (the département's headcount-weighted median; the territory's for [siting]).
void per_practitioner(const Territory& t, Calibration& cal, double unit) {
  const auto n = t.size();
  cal.per_gp.assign(n, kNaN);
  for (CommuneId c = 0; c < n; ++c)
    if (cal.headcount[c] > 0) cal.per_gp[c] = cal.supply[c] / cal.headcount[c];
  cal.added_per_gp = departement_median(t, cal.per_gp, cal.headcount, unit);
  cal.median_per_gp = n ? departement_median(t, cal.per_gp, cal.headcount, unit, true)[0] : unit;
}

/// supply.calibrate = "none" with supply.combine or supply.factors: the raw supply, prior x
/// activity x the département's factor; nullopt when it is the plain headcount x activity.
std::optional<Calibration> raw_model(const scenario::Scenario& s, const Inputs& in, const travel::OdMatrix* around_od) {
  const bool combined = s.supply.combine != "first" && !in.recorded_sites.empty();
  if (!combined && in.departement_factors.empty()) return std::nullopt;
  const auto& t = in.territory;
  const auto n = t.size();
  const auto sp = space_of(s, in, around_od);
  const auto& ts = *sp.ts;
  const double unit = s.supply.activity;
  Calibration cal;
  cal.headcount = in.supply_before;
  cal.around_supply.resize(ts.size());
  for (CommuneId c = 0; c < ts.size(); ++c) {
    const double f = in.departement_factors.empty() ? 1.0 : in.departement_factors.at(ts.departement()[c]);
    cal.around_supply[c] = sp.prior[c] * unit * f;
  }
  cal.prior.resize(n);
  cal.supply.resize(n);
  for (CommuneId c = 0; c < n; ++c) cal.prior[c] = sp.prior[sp.at[c]], cal.supply[c] = cal.around_supply[sp.at[c]];
  per_practitioner(t, cal, unit);
  cal.value.assign(n, kNaN);
  cal.cv_value.assign(n, kNaN);
  cal.summary = {{"model", "raw"},
                 {"combine", combined ? s.supply.combine : "first"},
                 {"prior_activity", unit},
                 {"consultations", std::accumulate(cal.supply.begin(), cal.supply.end(), 0.0)},
                 {"added_practitioner", "the headcount-weighted median activity per practitioner of the commune's département"},
                 {"median_activity_per_practitioner", jnum(cal.median_per_gp)}};
  if (!in.departement_factors.empty()) {
    json f = json::object();
    std::set<std::string> deps(t.departement().begin(), t.departement().end());
    for (const auto& d : deps) f[d] = in.departement_factors.at(d);
    cal.summary["factors"] = {
        {"file", in.departement_factors_file.string()}, {"sha256", sha256_file(in.departement_factors_file)}, {"departements", f}};
  }
  return cal;
}

}  // namespace

CalibrationCache CalibrationCache::user_default() { return {FileCache::user_default().dir()}; }

std::optional<Calibration> calibrate_supply(const scenario::Scenario& s, const Inputs& in, const travel::OdMatrix& od,
                                            const CalibrationCache& cache, bool* cache_hit, const travel::OdMatrix* around_od) {
  if (cache_hit) *cache_hit = false;
  if (s.supply.calibrate == "none") return raw_model(s, in, around_od);
  const auto& t = in.territory;
  const auto n = t.size();
  const auto params = access_params(s.access.method, s.access.max_cost, s.access.decay, s.access.n, s.access.sa_alpha, s.access.sa_output);
  const auto* published = t.column("apl_official");
  const std::string target_file = in.data.contains("apl") && !in.data["apl"].empty() ? in.data["apl"][0]["file"].get<std::string>() : "";
  if (!published || target_file.empty())
    throw Error(
        Errc::field_missing, "supply.calibrate = \"apl\" needs the published APL of the communes, and the run read none", s.file.string(),
        {}, "set data.apl to the DREES APL file (default <data>/apl/drees_apl_mg_2022_communes.csv), or set supply.calibrate = \"none\"");
  // The space of the fit: the run's communes, or them and the ring around them (Inputs::around).
  const auto sp = space_of(s, in, around_od);
  const bool ring = sp.ring;
  const Territory& ts = *sp.ts;
  const travel::OdMatrix& ods = ring ? *around_od : od;
  const auto ns = ts.size();
  const auto& at = sp.at;
  auto demand = access_demand(s, ts, in.age_bands).first;
  if (ring) {  // the run's own demand on its communes (e.g. from INSEE ages, which the ring lacks)
    const auto inner = access_demand(s, t, in.age_bands).first;
    for (CommuneId c = 0; c < n; ++c) demand[at[c]] = inner[c];
  }
  const std::vector<double>& headcount = sp.prior;
  const std::vector<double>& recorded = sp.recorded;
  const std::vector<double>* target = ring ? ts.column("apl_official") : published;
  if (!target) throw Error(Errc::internal, "the ring of the calibration has no published APL column");

  Calibration cal;
  cal.target = target_file;
  cal.headcount = in.supply_before;
  std::vector<char> eligible(ns, 0);
  for (CommuneId c = 0; c < ns; ++c) eligible[c] = headcount[c] > 0 || (!recorded.empty() && recorded[c] > 0) ? 1 : 0;
  std::vector<int> fold(ns, -1);
  {
    // One fold per département of the run (the ring's départements are not predicted).
    std::map<std::string, int> dep_index;
    for (CommuneId c = 0; c < n; ++c) dep_index.emplace(t.departement()[c], 0);
    int k = 0;
    for (auto& [dep, i] : dep_index) i = k++;
    if (s.supply.calibrate_cv)
      for (CommuneId c = 0; c < ns; ++c)
        if (const auto it = dep_index.find(ts.departement()[c]); it != dep_index.end()) fold[c] = it->second;
  }
  // By département: one factor per département of the space (the ring's included).
  const bool by_dep = s.supply.calibrate == "departement";
  std::vector<int> group;
  std::vector<std::string> group_dep;
  if (by_dep) {
    std::map<std::string, int> index;
    for (CommuneId c = 0; c < ns; ++c) index.emplace(ts.departement()[c], 0);
    for (auto& [dep, i] : index) i = static_cast<int>(group_dep.size()), group_dep.push_back(dep);
    group.resize(ns);
    for (CommuneId c = 0; c < ns; ++c) group[c] = index.at(ts.departement()[c]);
  }
  access::CalibrationSettings set;
  set.unit = s.supply.activity;
  set.lambda = s.supply.calibrate_lambda;
  const access::CalibrationProblem prob{params, &ods, demand, headcount, eligible, *target, group};

  // The cache key: everything the fit reads.
  std::string key = fmt::format("oasis {} calibration 3|{}|{}|{}|{}|{}|{}|{}", kVersion, access::method_name(params.method),
                                params.decay.spec(), params.max_cost, set.unit, set.lambda, set.max_sweeps, set.tolerance);
  append_bytes<std::uint64_t>(key, ods.first);
  append_bytes<std::uint32_t>(key, ods.dest);
  append_bytes<float>(key, ods.minutes);
  append_bytes<double>(key, demand);
  append_bytes<double>(key, headcount);
  append_bytes<char>(key, eligible);
  append_bytes<double>(key, *target);
  append_bytes<int>(key, fold);
  append_bytes<int>(key, group);
  key += fmt::format("|{}", s.access.line);
  const auto digest = sha256_text(key);
  const fs::path file = cache.dir.empty() ? fs::path() : cache.dir / fmt::format("calibration-{}.json", digest);

  // Per commune of the space: units, APL fitted, cross-validated, of the prior.
  const auto cached = file.empty() ? std::nullopt : read_fit(file, digest, ns);
  const auto [units, value, cv_value, prior_value, fit_figures] =
      cached ? *cached : fit_now(prob, set, fold, s.access.line, file, cache.dir, digest);
  json fit = fit_figures;
  const bool loaded = cached.has_value();
  if (cache_hit) *cache_hit = loaded;

  // Back to the run's communes; the figures are over them only (not the ring).
  cal.value.resize(n);
  cal.cv_value.resize(n);
  std::vector<double> prior_inner(n), cv_target(n, kNaN);
  for (CommuneId c = 0; c < n; ++c) {
    cal.value[c] = value[at[c]];
    cal.cv_value[c] = cv_value[at[c]];
    prior_inner[c] = prior_value[at[c]];
    if (std::isfinite(cal.cv_value[c])) cv_target[c] = (*published)[c];
  }
  cal.around_supply.resize(ns);
  for (CommuneId c = 0; c < ns; ++c) cal.around_supply[c] = units[c] * set.unit;
  fit["prior"] = fidelity_json(access::fidelity(prior_inner, *published, s.access.line));
  fit["in_sample"] = fidelity_json(access::fidelity(cal.value, *published, s.access.line));
  if (fit["folds"].get<std::size_t>() > 0) {
    fit["cross_validated"] = {{"folds", "departement"}, {"count", fit["folds"]}, {"fit_sweeps", fit["fold_sweeps"]}};
    fit["cross_validated"].update(fidelity_json(access::fidelity(cal.cv_value, cv_target, s.access.line)));
  } else {
    fit["cross_validated"] = nullptr;
  }
  fit.erase("folds");
  fit.erase("fold_sweeps");
  if (by_dep) {  // the factors by département code (the space's, ring included)
    json f = json::object();
    const auto factors = fit.at("factors").get<std::vector<double>>();
    for (std::size_t g = 0; g < group_dep.size(); ++g) f[group_dep[g]] = jnum(factors.at(g));
    fit["factors"] = f;
  }
  if (ring) fit["around"] = {{"communes", ns - n}, {"sites_fitted_with_ring", std::count(eligible.begin(), eligible.end(), 1)}};

  cal.supply.resize(n);
  cal.prior.resize(n);
  for (CommuneId c = 0; c < n; ++c) cal.supply[c] = units[at[c]] * set.unit, cal.prior[c] = headcount[at[c]];
  per_practitioner(t, cal, set.unit);
  std::size_t fitted = 0, with_supply = 0;
  for (CommuneId c = 0; c < n; ++c) fitted += eligible[at[c]], with_supply += cal.supply[c] > 0;
  const double prior_total = std::accumulate(cal.prior.begin(), cal.prior.end(), 0.0) * set.unit;
  cal.summary = {
      {"model", "calibrated"},
      {"target", target_file},
      {"target_sha256", sha256_file(target_file)},
      {"method", by_dep ? "one activity factor per département, non-negative least squares on the published APL, population-weighted, "
                          "toward factor 1"
                        : "non-negative least squares on the published APL, population-weighted, toward the headcount prior"},
      {"by", by_dep ? "departement" : "commune"},
      {"combine", recorded.empty() ? "first" : s.supply.combine},
      {"lambda", set.lambda},
      {"prior_activity", set.unit},
      {"sites_fitted", fitted},
      {"sites_with_supply", with_supply},
      {"consultations_prior", prior_total},
      {"consultations_calibrated", std::accumulate(cal.supply.begin(), cal.supply.end(), 0.0)},
      {"added_practitioner", "the headcount-weighted median activity per practitioner of the commune's département"},
      {"median_activity_per_practitioner", jnum(cal.median_per_gp)},
      {"cache_key", digest}};
  cal.summary.update(fit);
  return cal;
}

std::string supply_model_text(const scenario::Scenario& s, const Indicators& ind) {
  if (!ind.apl) return "effectifs du fichier d'offre";
  if (!ind.calibration) return fmt::format("brute : effectifs x {} actes par an", s.supply.activity);
  const auto& c = ind.calibration->summary;
  if (c.at("model") == "raw") {
    const std::string who = c.at("combine") == "first" ? "effectifs"
                                                       : fmt::format("effectifs ({} du fichier d'offre et de la 2e source)",
                                                                     c.at("combine") == "mean"  ? "moyenne"
                                                                     : c.at("combine") == "min" ? "minimum"
                                                                                                : "maximum");
    return fmt::format("brute : {} x {} actes par an{}", who, s.supply.activity,
                       c.contains("factors") ? fmt::format(" x facteur du département ({})",
                                                           fs::path(c["factors"]["file"].get<std::string>()).filename().string())
                                             : "");
  }
  auto rho = [&](const char* k) {
    const auto& f = c[k];
    return f.is_null() || f["spearman"].is_null() ? std::string("non calculé") : fmt::format("{:.2f}", f["spearman"].get<double>());
  };
  return fmt::format("calibrée{} sur {} (lambda {}) : Spearman {} ajusté, {} en validation croisée par département (brute : {})",
                     c.value("by", "commune") == "departement" ? " par département" : "",
                     fs::path(ind.calibration->target).filename().string(), s.supply.calibrate_lambda, rho("in_sample"),
                     rho("cross_validated"), rho("prior"));
}

std::vector<double> apl_supply(const Inputs& in, const Calibration* cal, double activity, std::span<const double> headcount) {
  const auto n = headcount.size();
  std::vector<double> out(n);
  if (!cal) {
    for (std::size_t c = 0; c < n; ++c) out[c] = headcount[c] * activity;
    return out;
  }
  for (std::size_t c = 0; c < n; ++c) {
    const double added = in.supply_added.empty() ? 0.0 : in.supply_added[c];
    const double before = cal->headcount[c];
    // The practitioners recorded at the start that are still there, at their commune's activity.
    const double kept = std::max(0.0, headcount[c] - added);
    double v = before > 0 ? cal->supply[c] * (kept / before) : cal->supply[c];  // x 1.0 exactly when nothing left
    if (added > 0) v += added * cal->added_per_gp[c];
    out[c] = v;
  }
  return out;
}

}  // namespace oasis::runner
