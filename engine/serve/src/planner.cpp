// The planner's sessions: a session is a territory (a served scenario file) and a list of changes;
// its scenario is the territory's resolved TOML with the changes written into it, parsed by the
// scenario schema, and computed by the steps of a run on inputs prepared once per territory.
#include "oasis/serve/planner.hpp"

#include "changes.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <thread>
#include <atomic>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <toml++/toml.h>

#include "oasis/core/atomic_file.hpp"
#include "oasis/core/error.hpp"
#include "oasis/geodata/gpkg.hpp"
#include "oasis/geodata/boundaries.hpp"
#include "oasis/report/html.hpp"
#include "oasis/report/map.hpp"
#include "oasis/runner/inputs.hpp"
#include "oasis/runner/steps.hpp"
#include "oasis/scenario/check.hpp"
#include "oasis/scenario/scenario.hpp"
#include "oasis/sweep/sweep.hpp"

namespace fs = std::filesystem;

namespace oasis::serve {
namespace {

using Clock = std::chrono::steady_clock;

std::string random_id() {
  std::random_device rd;
  std::string id;
  for (int i = 0; i < 4; ++i) id += fmt::format("{:08x}", rd());
  return id;
}

/// Per-commune numbers rounded for the page (NaN = null).
json rounded(const std::vector<double>& v, int decimals) {
  json out = json::array();
  const double f = std::pow(10.0, decimals);
  for (double x : v)
    if (std::isfinite(x))
      out.push_back(std::round(x * f) / f);
    else
      out.push_back(nullptr);
  return out;
}

/// One copy of a territory's inputs and what was derived from them: a computation at a time on it.
struct Replica {
  std::mutex mutex;
  runner::PreparedInputs prepared;
  std::map<std::string, std::unique_ptr<runner::Travel>> travel;          // by the [travel] values
  std::map<std::string, std::optional<runner::Calibration>> calibration;  // by [travel], [supply], [access]
  explicit Replica(runner::PreparedInputs p) : prepared(std::move(p)) {}
};

struct Territory {
  fs::path file;
  std::string id, title, description;
  std::mutex mutex;  // loading
  bool loaded = false;
  std::string base_toml;                           // the resolved scenario
  fs::path dir;                                    // the scenario's folder (paths are absolute in base_toml already)
  std::vector<std::unique_ptr<Replica>> replicas;  // one per core: sessions compute side by side
  std::atomic<std::size_t> next{0};
  std::string geometry;
  json baseline;

  /// A free replica, else the next one in turn (locked on return).
  std::pair<Replica*, std::unique_lock<std::mutex>> replica() {
    for (auto& r : replicas)
      if (std::unique_lock lock(r->mutex, std::try_to_lock); lock.owns_lock()) return {r.get(), std::move(lock)};
    auto& r = replicas[next++ % replicas.size()];
    return {r.get(), std::unique_lock(r->mutex)};
  }
};

struct Session {
  std::string id;
  Territory* territory = nullptr;
  std::vector<json> changes;
  std::vector<std::string> labels;
  json current;   // the last state's "current"
  json settings;  // the panels' keys and their values
  Clock::time_point used = Clock::now();
  std::mutex mutex;
};

}  // namespace

struct Planner::Impl {
  runner::RunOptions options;
  Limits limits;
  std::vector<std::unique_ptr<Territory>> territories;
  mutable std::mutex mutex;  // the session table
  std::map<std::string, std::shared_ptr<Session>> sessions;

  Territory& territory(const std::string& id) {
    for (auto& t : territories)
      if (t->id == id) return *t;
    std::vector<std::string> ids;
    for (auto& t : territories) ids.push_back(t->id);
    refuse(Errc::code_unknown, fmt::format("no territory '{}' is offered", id), fmt::format("one of: {}", fmt::join(ids, ", ")));
  }

  std::shared_ptr<Session> session(const std::string& id) {
    std::lock_guard lock(mutex);
    expire();
    const auto it = sessions.find(id);
    if (it == sessions.end())
      refuse(Errc::code_unknown, "no such session (closed, expired or never opened)", "open a new one: POST /api/sessions");
    it->second->used = Clock::now();
    return it->second;
  }

  void expire() {  // with mutex held
    const auto now = Clock::now();
    std::erase_if(sessions, [&](const auto& kv) { return now - kv.second->used > limits.idle; });
  }

  /// The session's scenario document: the territory's resolved TOML and the changes.
  toml::table document(const Territory& t, const std::vector<json>& changes, std::vector<std::string>* labels) {
    auto doc = toml::parse(t.base_toml, t.file.string());
    for (const auto& c : changes) {
      auto label = apply_change(doc, c);
      if (labels) labels->push_back(std::move(label));
    }
    return doc;
  }

  static std::string toml_text(const toml::table& doc) {
    std::ostringstream os;
    os << doc;
    return os.str() + "\n";
  }

  void load(Territory& t) {  // with t.mutex held
    if (t.loaded) return;
    const auto s = scenario::load(t.file);
    t.base_toml = s.resolved_toml;
    t.dir = t.file.parent_path();
    Diagnostics diag;
    t.replicas.push_back(std::make_unique<Replica>(runner::prepare_inputs(s, options, diag)));
    const auto cores = std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1, 4);
    while (t.replicas.size() < cores) t.replicas.push_back(std::make_unique<Replica>(t.replicas.front()->prepared.clone()));
    auto& first = *t.replicas.front();
    first.prepared.apply_changes(s, diag);
    const auto& in = first.prepared.inputs();
    const auto& ter = in.territory;
    // The page's geometry: simplified as the report's (25 m at 1,000 communes, growing with √n).
    std::vector<const MultiPolygon*> shapes;
    for (CommuneId c = 0; c < ter.size(); ++c) shapes.push_back(&ter.shape(c));
    const double tolerance = 25.0 * std::sqrt(std::max<double>(1.0, static_cast<double>(ter.size()) / 1000.0));
    const auto epsg = ter.epsg().size() == ter.size() ? ter.epsg() : std::vector<int>(ter.size(), 2154);
    const auto lonlat = geodata::to_lonlat(shapes, epsg, tolerance, 0);
    std::vector<MultiPolygon> outlines;
    if (!in.outlines.empty()) {  // the départements whose extent meets the territory's
      const auto box = [](const MultiPolygon& mp, double b[4]) {
        for (const auto& p : mp)
          for (const auto& q : p.outer)
            b[0] = std::min(b[0], q.x), b[1] = std::min(b[1], q.y), b[2] = std::max(b[2], q.x), b[3] = std::max(b[3], q.y);
      };
      double tb[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY};
      for (const auto* sh : shapes) box(*sh, tb);
      for (auto& o : geodata::read_outlines(in.outlines)) {
        double ob[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY};
        box(o, ob);
        if (ob[0] <= tb[2] && ob[2] >= tb[0] && ob[1] <= tb[3] && ob[3] >= tb[1]) outlines.push_back(std::move(o));
      }
    }
    std::vector<const MultiPolygon*> outline_ptrs;
    for (const auto& o : outlines) outline_ptrs.push_back(&o);
    const auto outlines_ll = geodata::to_lonlat(outline_ptrs, std::vector<int>(outlines.size(), 2154), tolerance, 0);
    json head{{"territory", t.id}, {"title", in.wording.place}, {"sources", in.wording.sources}};
    json codes = json::array(), names = json::array(), sites = json::array();
    for (CommuneId c = 0; c < ter.size(); ++c) codes.push_back(ter.code()[c].to_string()), names.push_back(ter.name()[c]);
    head["code"] = codes;
    head["nom"] = names;
    if (in.urgent_care)
      for (const auto& e : in.urgent_care->sites)
        sites.push_back({{"finess", e.finess}, {"nom", e.name}, {"commune", e.commune}, {"su", e.su_general}, {"smur", e.smur}});
    head["urgences"] = sites;
    std::string g = head.dump();
    g.pop_back();
    g += ",\"shapes\":" + report::shapes_json(lonlat) + ",\"outlines\":" + report::shapes_json(outlines_ll) + "}";
    t.geometry = std::move(g);
    t.title = in.wording.place;
    {
      std::lock_guard lock(first.mutex);
      t.baseline = compute(first, s, toml::parse(t.base_toml));
    }
    t.loaded = true;
  }

  /// The state of a scenario on a replica of its territory (with the replica locked).
  json compute(Replica& t, const scenario::Scenario& s, const toml::table& doc) {
    const auto start = Clock::now();
    Diagnostics diag;
    t.prepared.apply_changes(s, diag);
    const auto& in = t.prepared.inputs();
    const auto n = in.territory.size();
    const auto travel_key = dump(doc.get("travel"));
    auto& tr = t.travel[travel_key];
    if (!tr) tr = std::make_unique<runner::Travel>(runner::build_travel(s, in, options, diag));
    const auto* around_od = tr->od_around ? &*tr->od_around : nullptr;
    const auto calib_key = travel_key + "|" + dump(doc.get("supply")) + "|" + dump(doc.get("access"));
    if (!t.calibration.count(calib_key)) {
      const runner::CalibrationCache cache =
          options.cache_dir ? runner::CalibrationCache{*options.cache_dir} : runner::CalibrationCache::user_default();
      t.calibration[calib_key] = runner::calibrate_supply(s, in, tr->od, cache, nullptr, around_od);
    }
    const auto ind = runner::compute_indicators(s, in, tr->od, t.calibration[calib_key], around_od);
    const auto z = runner::compute_zoning(s, in, ind);
    const auto f = runner::compute_flags(s, in, *tr, ind, z);
    const auto sit = runner::compute_siting(s, in, *tr, ind, z);
    const auto rows = runner::zone_rows(in, ind, z, f);

    json fig;
    const auto& pop = in.territory.population();
    double total_pop = 0, apl_sum = 0, apl_pop = 0;
    std::map<std::string, std::pair<std::size_t, double>> by_zone;
    for (const auto& k : report::zone_classes()) by_zone[k.label] = {0, 0.0};
    for (CommuneId c = 0; c < n; ++c) {
      total_pop += pop[c];
      auto& b = by_zone[z.zone_label[c]];
      ++b.first, b.second += pop[c];
      if (std::isfinite(ind.access.value[c])) apl_sum += ind.access.value[c] * pop[c], apl_pop += pop[c];
    }
    fig["communes"] = n;
    fig["population"] = total_pop;
    json zones = json::object();
    for (const auto& k : report::zone_classes())
      zones[k.label] = {{"communes", by_zone[k.label].first}, {"population", by_zone[k.label].second}};
    fig["zones"] = zones;
    fig["zip_population"] = by_zone["ZIP"].second;
    double supply = 0;
    for (double x : in.supply) supply += x;
    fig["supply_total"] = supply;
    fig["apl_weighted_mean"] = apl_pop > 0 ? apl_sum / apl_pop : 0.0;
    const auto& times = !f.time_su.empty() ? f.time_su : f.time_urgences;
    double beyond = 0;
    for (CommuneId c = 0; c < n && !times.empty(); ++c)
      if (!(times[c] <= s.flags.urgences_max_min)) beyond += pop[c];
    fig["urgences_max_min"] = s.flags.urgences_max_min;
    fig["population_beyond_urgences"] = beyond;
    json grants = json::array();
    double grant_total = 0;
    if (!s.grants.empty()) {
      const auto g = runner::evaluate_grants(s, rows, nullptr, sit, false);
      for (const auto& e : g.summary) {
        const double total = e["result"].value("awarded_total", 0.0);
        grant_total += total;
        const auto& r = e["result"];
        const auto eligible = r.contains("eligible") && r["eligible"].is_object() ? r["eligible"].value("yes", 0) : 0;
        grants.push_back({{"scheme", e.value("scheme", std::string())},
                          {"awarded_total", total},
                          {"awarded_count", r.value("awarded_count", 0)},
                          {"applications", r.value("applications", 0)},
                          {"eligible", eligible},
                          {"not_computable", r.value("not_computable", 0)}});
      }
    }
    fig["grants"] = grants;
    fig["grants_total"] = grant_total;
    if (sit) {
      json sites = json::array();
      for (const auto& x : sit->sites)
        sites.push_back(
            {{"code_insee", x.code}, {"nom", x.name}, {"commune", x.commune}, {"openings", x.openings}, {"supply_added", x.supply_added}});
      fig["siting"] = {{"objective_kind", s.siting.objective}, {"objective", sit->solution.objective},
                       {"bound", sit->solution.bound},         {"gap", sit->solution.gap},
                       {"method", sit->solution.method},       {"sites", sites}};
    }
    // Per commune: values and the classes of the report's maps (the same colours).
    const auto zc = report::by_zone(z.zone_label);
    const auto ac = report::apl_classes(ind.access.value, s.zoning.zip_below, s.zoning.vivier_below);
    json communes{{"zone", z.zone_label}, {"apl", rounded(ind.access.value, 3)}, {"zone_class", zc.of}, {"apl_class", ac.of}};
    json legends{{"zones", report::classes_json(zc)}, {"apl", report::classes_json(ac)}};
    if (!times.empty()) {
      const auto tc = report::graduated(times, {10, 20, 30, 45}, "Temps aux soins urgents (min)", 0, report::Palette::sequential);
      communes["time_urgences"] = rounded(times, 1);
      communes["time_class"] = tc.of;
      legends["time"] = report::classes_json(tc);
    }
    json warnings = json::object();
    for (const auto& [code, count] : diag.counts()) warnings[std::string(warn_name(code))] = count;
    return {{"figures", fig},
            {"communes", communes},
            {"legends", legends},
            {"warnings", warnings},
            {"seconds", std::chrono::duration<double>(Clock::now() - start).count()}};
  }

  json state_of(Session& se) {
    auto& t = *se.territory;
    json changes = json::array();
    for (std::size_t i = 0; i < se.changes.size(); ++i) {
      auto c = se.changes[i];
      c["label"] = se.labels[i];
      changes.push_back(std::move(c));
    }
    std::size_t changed = 0;
    const auto& cur = se.current["communes"]["zone"];
    const auto& base = t.baseline["communes"]["zone"];
    for (std::size_t i = 0; i < cur.size() && i < base.size(); ++i) changed += cur[i] != base[i];
    return {{"session", se.id},
            {"territory", {{"id", t.id}, {"title", t.title}}},
            {"changes", changes},
            {"settings", se.settings},
            {"communes_changed", changed},
            {"current", se.current},
            {"baseline", t.baseline}};
  }

  /// Recomputes the session with `changes`; on success they become the session's.
  json recompute(Session& se, std::vector<json> changes) {
    auto& t = *se.territory;
    std::vector<std::string> labels;
    const auto doc = document(t, changes, &labels);
    const auto s = scenario::parse(toml_text(doc), fmt::format("session {}", se.id.substr(0, 8)), t.dir);
    {
      auto [replica, lock] = t.replica();
      se.current = compute(*replica, s, doc);
    }
    se.changes = std::move(changes);
    se.labels = std::move(labels);
    se.settings = settings_of(doc);
    return state_of(se);
  }
};

Planner::Planner(std::vector<fs::path> scenarios, runner::RunOptions options, Limits limits) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->options.out_dir.clear();
  impl_->options.progress = {};
  impl_->limits = limits;
  for (const auto& f : scenarios) {
    const auto s = scenario::load(f);  // refuses a bad file now, not at the first session
    auto t = std::make_unique<Territory>();
    t->file = fs::absolute(f);
    t->id = s.name;
    t->title = s.title.empty() ? s.name : s.title;
    t->description = s.description;
    for (const auto& other : impl_->territories)
      if (other->id == t->id)
        throw Error(Errc::code_duplicate, fmt::format("two served scenarios are named '{}'", t->id), f.string(), {},
                    "give each a distinct name = ...");
    impl_->territories.push_back(std::move(t));
  }
  if (impl_->territories.empty()) throw Error(Errc::usage, "oasis serve needs at least one scenario");
}
Planner::~Planner() = default;

const Limits& Planner::limits() const noexcept { return impl_->limits; }

json Planner::territories() const {
  json out = json::array();
  for (const auto& t : impl_->territories)
    out.push_back({{"id", t->id}, {"title", t->title}, {"description", t->description}, {"loaded", t->loaded}});
  return out;
}

json Planner::open_session(const std::string& territory) {
  auto& t = impl_->territory(territory);
  {
    std::lock_guard lock(t.mutex);
    impl_->load(t);
  }
  auto se = std::make_shared<Session>();
  se->id = random_id();
  se->territory = &t;
  se->current = t.baseline;
  se->settings = settings_of(toml::parse(t.base_toml, t.file.string()));
  {
    std::lock_guard lock(impl_->mutex);
    impl_->expire();
    while (impl_->sessions.size() >= impl_->limits.max_sessions) {
      auto oldest = std::min_element(impl_->sessions.begin(), impl_->sessions.end(),
                                     [](const auto& a, const auto& b) { return a.second->used < b.second->used; });
      impl_->sessions.erase(oldest);
    }
    impl_->sessions[se->id] = se;
  }
  std::lock_guard lock(se->mutex);
  return impl_->state_of(*se);
}

json Planner::state(const std::string& id) {
  auto se = impl_->session(id);
  std::lock_guard lock(se->mutex);
  return impl_->state_of(*se);
}

std::string Planner::geometry(const std::string& id) {
  auto se = impl_->session(id);
  return se->territory->geometry;
}

json Planner::change(const std::string& id, const json& c) {
  auto se = impl_->session(id);
  std::lock_guard lock(se->mutex);
  if (se->changes.size() >= impl_->limits.max_changes)
    refuse(Errc::limit, fmt::format("a session holds at most {} changes", impl_->limits.max_changes),
           "export the scenario and open a new session");
  auto changes = se->changes;
  changes.push_back(c);
  return impl_->recompute(*se, std::move(changes));
}

json Planner::undo(const std::string& id, long index) {
  auto se = impl_->session(id);
  std::lock_guard lock(se->mutex);
  if (se->changes.empty()) refuse(Errc::value_invalid, "there is no change to undo", "make a change first");
  const auto i = index < 0 ? se->changes.size() - 1 : static_cast<std::size_t>(index);
  if (i >= se->changes.size())
    refuse(Errc::value_invalid, fmt::format("there is no change {} (the session has {})", index, se->changes.size()),
           "use an index of the list");
  auto changes = se->changes;
  changes.erase(changes.begin() + static_cast<std::ptrdiff_t>(i));
  return impl_->recompute(*se, std::move(changes));
}

std::string Planner::scenario_toml(const std::string& id) {
  auto se = impl_->session(id);
  std::lock_guard lock(se->mutex);
  auto doc = impl_->document(*se->territory, se->changes, nullptr);
  std::string head =
      fmt::format("# Exported by oasis serve from {} with {} change(s): `oasis run` of this file reproduces the planner's state.\n",
                  se->territory->file.filename().string(), se->changes.size());
  for (const auto& l : se->labels) head += fmt::format("#   {}\n", l);
  return head + Impl::toml_text(doc);
}

std::string Planner::export_file(const std::string& id, const std::string& name) {
  static const std::set<std::string> allowed = {"zones.csv", "zones.xlsx", "communes.gpkg", "summary.json"};
  if (!allowed.count(name))
    refuse(Errc::code_unknown, fmt::format("no export named '{}'", name), "one of zones.csv, zones.xlsx, communes.gpkg, summary.json");
  const auto text = scenario_toml(id);
  auto se = impl_->session(id);
  // The run of `oasis run`, without its maps and report (they do not change the zone list).
  auto doc = toml::parse(text, std::string_view("export"));
  table_at(doc, "outputs").insert_or_assign("maps", false);
  table_at(doc, "outputs").insert_or_assign("report", false);
  table_at(doc, "outputs").insert_or_assign("baseline", "");
  const auto s = scenario::parse(Impl::toml_text(doc), "export", se->territory->dir);
  const auto dir = fs::temp_directory_path() / fmt::format("oasis-serve-{}-{}", id.substr(0, 12), random_id().substr(0, 8));
  auto opt = impl_->options;
  opt.out_dir = dir;
  Diagnostics diag;
  try {
    (void)runner::run(s, opt, diag);
    auto bytes = read_file(dir / name, "the export", "");
    fs::remove_all(dir);
    return bytes;
  } catch (...) {
    std::error_code ec;
    fs::remove_all(dir, ec);
    throw;
  }
}

void Planner::close_session(const std::string& id) {
  std::lock_guard lock(impl_->mutex);
  impl_->sessions.erase(id);
}

std::size_t Planner::sessions() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->sessions.size();
}

json error_json(const std::exception& e) {
  if (const auto* err = dynamic_cast<const Error*>(&e)) {
    const auto file = err->file().empty() ? std::string() : fs::path(err->file()).filename().string();
    return {{"error",
             {{"name", std::string(errc_name(err->code()))},
              {"code", static_cast<int>(err->code())},
              {"message", err->message()},
              {"file", file},
              {"record", err->record()},
              {"fix", err->fix()}}}};
  }
  return {{"error", {{"name", std::string(errc_name(Errc::internal))}, {"code", 70}, {"message", e.what()}, {"fix", "please report it"}}}};
}

}  // namespace oasis::serve
