// One sweep task: the grid point's scenario on inputs loaded once per worker (kept by the values
// that change them), the draw's departures and openings, then the steps of a run without writing.
#include <cmath>
#include <cstring>
#include <map>
#include <mutex>
#include <random>
#include <set>

#include <fmt/format.h>

#include "oasis/core/error.hpp"
#include "oasis/io/csv.hpp"
#include "oasis/runner/inputs.hpp"
#include "oasis/runner/steps.hpp"
#include "oasis/sweep/sweep.hpp"

namespace oasis::sweep {
namespace {

/// SplitMix64: the seed of draw d from the sweep's seed (independent streams, the same everywhere).
std::uint64_t mix(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}
double uniform01(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

/// The grid values at a point of the axes `pick` selects, as a key.
template <class Pick>
std::string key_of(const Spec& spec, const nlohmann::json& values, Pick pick) {
  std::string key;
  for (const auto& a : spec.grid)
    if (pick(a)) key += a.key + "=" + values[a.key].dump() + ";";
  return key;
}

/// A grid point, parsed once: its scenario and the keys of what it shares with other points.
struct Point {
  scenario::Scenario scenario;
  std::string inputs_key;  // the values that change the loaded inputs
  std::string travel_key;  // ... and the travel matrix
  std::string calib_key;   // ... and the supply fit (it reads supply.* and access.*, nothing else)
};

Point make_point(const Spec& spec, std::size_t point) {
  const auto values = point_values(spec, point);
  Point p{point_scenario(spec, point), {}, {}, {}};
  p.inputs_key = key_of(spec, values, [](const Axis& a) { return a.level == Axis::Level::inputs; });
  p.travel_key = p.inputs_key + "|" + key_of(spec, values, [](const Axis& a) { return a.level == Axis::Level::travel; });
  p.calib_key = p.travel_key + "|" + key_of(spec, values, [](const Axis& a) {
                  return a.level == Axis::Level::compute && (a.key.starts_with("supply.") || a.key.starts_with("access."));
                });
  return p;
}

struct Loaded {
  runner::Inputs inputs;
  SupplyTable table;           // after the base scenario's modifications
  std::size_t added_from = 0;  // the records of [[modify.add]] start here
  std::vector<double> leave;   // per commune: the probability that a unit of supply leaves
};

template <class T>
void put(std::string& out, const T& v) {
  char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));
  out.append(b, sizeof(T));
}
template <class T>
T take(std::string_view& in) {
  if (in.size() < sizeof(T)) throw Error(Errc::format, "a sweep task's result is truncated");
  T v;
  std::memcpy(&v, in.data(), sizeof(T));
  in.remove_prefix(sizeof(T));
  return v;
}
template <class T>
void put_vec(std::string& out, const std::vector<T>& v) {
  put<std::uint64_t>(out, v.size());
  for (const auto& x : v) put(out, x);
}
template <class T>
std::vector<T> take_vec(std::string_view& in) {
  const auto n = take<std::uint64_t>(in);
  if (n > in.size()) throw Error(Errc::format, "a sweep task's result is truncated");
  std::vector<T> v(n);
  for (auto& x : v) x = take<T>(in);
  return v;
}

}  // namespace

std::string TaskResult::encode() const {
  std::string out = "OSWT1";
  put(out, index);
  put_vec(out, zone);
  put_vec(out, apl);
  put_vec(out, unit_zip_population);
  put_vec(out, region_zip_population);
  put_vec(out, grant_awarded);
  put(out, supply_removed);
  put(out, supply_opened);
  put(out, siting_objective);
  put<std::uint64_t>(out, zones_csv.size());
  out += zones_csv;
  return out;
}

TaskResult TaskResult::decode(std::string_view in) {
  if (!in.starts_with("OSWT1")) throw Error(Errc::format, "not a sweep task's result (OSWT1)");
  in.remove_prefix(5);
  TaskResult r;
  r.index = take<std::uint64_t>(in);
  r.zone = take_vec<std::uint8_t>(in);
  r.apl = take_vec<double>(in);
  r.unit_zip_population = take_vec<double>(in);
  r.region_zip_population = take_vec<double>(in);
  r.grant_awarded = take_vec<double>(in);
  r.supply_removed = take<double>(in);
  r.supply_opened = take<double>(in);
  r.siting_objective = take<double>(in);
  const auto n = take<std::uint64_t>(in);
  if (n != in.size()) throw Error(Errc::format, "a sweep task's result has trailing or missing bytes");
  r.zones_csv = std::string(in);
  return r;
}

struct Worker::Impl {
  Spec spec;
  runner::RunOptions options;
  std::mutex mutex;
  std::map<std::string, std::unique_ptr<Loaded>> inputs;            // by the inputs-level values
  std::map<std::string, std::unique_ptr<runner::Travel>> travel;    // by inputs + travel values
  std::map<std::string, std::optional<runner::Calibration>> calib;  // by every value the fit reads
  std::map<std::size_t, Point> points;                              // parsed once per grid point
  std::optional<Frame> frame;
  std::size_t loads = 0;

  const Point& point(std::size_t index) {
    auto it = points.find(index);
    if (it == points.end()) it = points.emplace(index, make_point(spec, index)).first;
    return it->second;
  }

  Loaded& loaded(const Point& p) {
    const auto& s = p.scenario;
    auto& slot = inputs[p.inputs_key];
    if (slot) return *slot;
    Diagnostics diag;
    auto L = std::make_unique<Loaded>();
    L->inputs = runner::load_inputs(s, options, diag);
    ++loads;
    L->table = L->inputs.table;
    L->added_from = L->table.size() - s.add.size();
    const auto& t = L->inputs.territory;
    const auto& mc = spec.mc;
    L->leave.assign(t.size(), mc.leave);
    if (mc.leave_weight == "apl-65-plus") {
      const auto* all = t.column("apl_official");
      const auto* u65 = t.column("apl_official_u65");
      if (!all || !u65)
        throw Error(Errc::field_missing, "monte_carlo.leave_weight = \"apl-65-plus\" needs the DREES APL with apl_mg_moins65",
                    spec.file.string(), {}, "set data.apl in the base scenario to the DREES APL file (the default has it)");
      for (CommuneId c = 0; c < t.size(); ++c) {
        const double a = (*all)[c], y = (*u65)[c];
        const double share = std::isfinite(a) && std::isfinite(y) && a > 0 ? std::clamp(1.0 - y / a, 0.0, 1.0) : 0.0;
        L->leave[c] = mc.leave * share;
      }
    }
    if (!mc.leave_file.empty()) {
      const io::CsvFile csv(mc.leave_file);
      const auto c_code = csv.require({"code_insee", "code", "codgeo"}, "the commune code column");
      const auto c_p = csv.require({mc.leave_column}, "the probability column (monte_carlo.leave_column)");
      std::map<std::string, CommuneId> index;
      for (CommuneId c = 0; c < t.size(); ++c) index.emplace(t.code()[c].str(), c);
      csv.for_each([&](const io::CsvRecord& r) {
        const auto p = io::parse_number(r.fields[c_p], csv.decimal_comma());
        if (!p || *p < 0 || *p > 1)
          throw Error(Errc::value_invalid, fmt::format("probability '{}' is not a number in [0, 1]", r.fields[c_p]), mc.leave_file,
                      csv.where(r), "give each commune a probability between 0 and 1");
        if (auto it = index.find(std::string(io::trim(r.fields[c_code]))); it != index.end()) L->leave[it->second] = *p;
      });
    }
    if (mc.leave_age_min && !L->table.has_age())
      throw Error(Errc::field_missing, "monte_carlo.leave_age_min needs the practitioners' ages, and the supply has none",
                  spec.file.string(), {}, "use leave_weight = \"apl-65-plus\" (the proxy), or a points supply with supply.age_column");
    slot = std::move(L);
    return *slot;
  }

  void build_frame() {
    const auto& p = point(0);
    const auto& s = p.scenario;
    auto& L = loaded(p);
    const auto& in = L.inputs;
    const auto& t = in.territory;
    Frame f;
    for (CommuneId c = 0; c < t.size(); ++c) {
      f.code.emplace_back(t.code()[c].str());
      f.name.push_back(t.name()[c]);
      f.population.push_back(t.population()[c]);
      f.unit_of_commune.push_back(in.units.code[in.units.unit_of[c]]);
      f.region_of_commune.push_back(t.region()[c]);
    }
    f.unit_code = in.units.code;
    f.unit_name = in.units.name;
    std::set<std::string> regions(t.region().begin(), t.region().end());
    f.region_code.assign(regions.begin(), regions.end());
    for (const auto& g : s.grants) f.grant_scheme.push_back(std::filesystem::path(g.scheme).stem().string());
    f.siting_objective = s.siting.sites > 0 ? s.siting.objective : "";
    f.data = in.data;
    f.cog_version = in.cog_version;
    f.territory = &t;
    frame = std::move(f);
  }

  TaskResult run(std::size_t index) {
    const auto id = task_id(spec, index);
    const auto& p = point(id.point);
    const auto& s = p.scenario;
    auto& L = loaded(p);
    auto& in = L.inputs;
    const auto& t = in.territory;
    const auto n = t.size();
    Diagnostics diag;
    auto& tr = travel[p.travel_key];
    if (!tr) tr = std::make_unique<runner::Travel>(runner::build_travel(s, in, options, diag));
    const auto* around_od = tr->od_around ? &*tr->od_around : nullptr;
    const auto& ckey = p.calib_key;
    if (!calib.count(ckey)) {
      const runner::CalibrationCache cache =
          options.cache_dir ? runner::CalibrationCache{*options.cache_dir} : runner::CalibrationCache::user_default();
      calib[ckey] = runner::calibrate_supply(s, in, tr->od, cache, nullptr, around_od);
    }

    // The draw: each planned opening, then each unit of supply, in the supply file's order.
    TaskResult r;
    r.index = index;
    SupplyTable table = L.table;
    std::mt19937_64 rng(mix(spec.mc.seed ^ mix(id.draw)));
    const bool random = spec.mc.draws > 1 || spec.mc.leave > 0 || spec.mc.open < 1 || !spec.mc.leave_file.empty();
    if (random) {
      for (auto i = L.added_from; i < table.size(); ++i) {
        if (uniform01(rng) < spec.mc.open)
          r.supply_opened += table.amount[i];
        else
          table.amount[i] = 0;
      }
      for (std::size_t i = 0; i < L.added_from; ++i) {
        const double p = L.leave[table.commune[i]];
        if (p <= 0 || table.amount[i] <= 0) continue;
        if (spec.mc.leave_age_min && !(table.age[i] >= *spec.mc.leave_age_min)) continue;
        double gone = 0;
        for (double k = 0; k < table.amount[i]; k += 1.0)
          if (uniform01(rng) < p) gone += std::min(1.0, table.amount[i] - k);
        table.amount[i] -= gone;
        r.supply_removed += gone;
      }
    } else {
      for (auto i = L.added_from; i < table.size(); ++i) r.supply_opened += table.amount[i];
    }
    in.table = table;
    in.supply = table.per_commune(n);
    in.supply_added.assign(n, 0.0);
    for (auto i = L.added_from; i < table.size(); ++i) in.supply_added[table.commune[i]] += table.amount[i];

    const auto ind = runner::compute_indicators(s, in, tr->od, calib[ckey], around_od);
    const auto z = runner::compute_zoning(s, in, ind);
    const auto f = runner::compute_flags(s, in, *tr, ind, z);
    const auto sit = runner::compute_siting(s, in, *tr, ind, z);
    const auto rows = runner::zone_rows(in, ind, z, f);
    r.zone.assign(n, 0);
    r.apl = ind.access.value;
    r.unit_zip_population.assign(in.units.size(), 0.0);
    if (!frame) build_frame();
    r.region_zip_population.assign(frame->region_code.size(), 0.0);
    std::map<std::string, std::size_t> region_index;
    for (std::size_t k = 0; k < frame->region_code.size(); ++k) region_index[frame->region_code[k]] = k;
    for (CommuneId c = 0; c < n; ++c) {
      const auto& label = z.zone_label[c];
      r.zone[c] = label == "ZIP" ? 2 : label == "ZAC" ? 1 : 0;
      if (r.zone[c] == 2) {
        r.unit_zip_population[in.units.unit_of[c]] += t.population()[c];
        r.region_zip_population[region_index.at(t.region()[c])] += t.population()[c];
      }
    }
    if (!s.grants.empty()) {
      const auto g = runner::evaluate_grants(s, rows, nullptr, sit, false);
      for (const auto& e : g.summary) r.grant_awarded.push_back(e["result"]["awarded_total"].get<double>());
    }
    if (sit) r.siting_objective = sit->solution.objective;
    if (spec.task_outputs) {
      r.zones_csv = "code_insee,zone,apl\n";
      for (const auto& row : rows) r.zones_csv += fmt::format("{},{},{}\n", row.code, row.zone, row.apl);
    }
    return r;
  }
};

Worker::Worker(Spec spec, runner::RunOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->spec = std::move(spec);
  impl_->options = std::move(options);
  impl_->options.out_dir.clear();
  impl_->options.progress = {};
}
Worker::~Worker() = default;
const Spec& Worker::spec() const noexcept { return impl_->spec; }
std::size_t Worker::loads() const noexcept { return impl_->loads; }

TaskResult Worker::run(std::size_t index) {
  std::lock_guard lock(impl_->mutex);
  return impl_->run(index);
}

const Frame& Worker::frame() {
  std::lock_guard lock(impl_->mutex);
  if (!impl_->frame) impl_->build_frame();
  return *impl_->frame;
}

}  // namespace oasis::sweep
