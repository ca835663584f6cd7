// The compiled half of the Python package `oasis` (docs/python.md): the facade of the engine with
// numpy arrays and plain Python values; oasis/__init__.py adds pandas / geopandas on top. Errors
// become oasis.OasisError with the CLI's stable codes; progress goes to a Python callable (return
// False to cancel); computations release the GIL.
#include <cmath>
#include <limits>
#include <memory>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include "oasis/access/methods.hpp"
#include "oasis/core/error.hpp"
#include "oasis/core/version.hpp"
#include "oasis/geodata/cog.hpp"
#include "oasis/geodata/load.hpp"
#include "oasis/geodata/travel.hpp"
#include "oasis/grants/grants.hpp"
#include "oasis/runner/columns.hpp"
#include "oasis/runner/run.hpp"
#include "oasis/runner/steps.hpp"
#include "oasis/scenario/scenario.hpp"
#include "oasis/siting/siting.hpp"
#include "oasis/serve/planner.hpp"
#include "oasis/sweep/sweep.hpp"
#include "oasis/travel/models.hpp"
#include "oasis/zoning/zoning.hpp"

namespace py = pybind11;
using namespace oasis;

namespace {

PyObject* g_error_type = nullptr;  // oasis.OasisError

using Array = py::array_t<double, py::array::c_style | py::array::forcecast>;

std::vector<double> to_vector(const Array& a, std::size_t expected, const char* what) {
  if (a.ndim() != 1) throw Error(Errc::value_invalid, fmt::format("{} must be one-dimensional", what));
  if (expected != static_cast<std::size_t>(-1) && static_cast<std::size_t>(a.size()) != expected)
    throw Error(Errc::value_invalid, fmt::format("{} has {} values, expected {}", what, a.size(), expected));
  return {a.data(), a.data() + a.size()};
}

template <class T>
py::array_t<T> to_array(const std::vector<T>& v) {
  py::array_t<T> out(static_cast<py::ssize_t>(v.size()));
  std::copy(v.begin(), v.end(), out.mutable_data());
  return out;
}

/// Wraps a Python callable as a ProgressFn: it is called with (fraction, stage) under the GIL;
/// returning False cancels (E-CANCELLED); an exception it raises cancels and is re-raised.
class PyProgress {
 public:
  explicit PyProgress(py::object fn) : fn_(std::move(fn)) {}
  ProgressFn fn() {
    if (fn_.is_none()) return {};
    return [this](double f, std::string_view stage) {
      py::gil_scoped_acquire gil;
      if (error_) return false;
      try {
        const py::object r = fn_(f, std::string(stage));
        return !(r.is(py::bool_(false)));
      } catch (py::error_already_set& e) {
        error_ = std::make_unique<py::error_already_set>(std::move(e));
        return false;
      }
    };
  }
  /// Call with the GIL held, after the computation: re-raises the callback's own exception.
  void rethrow() {
    if (error_) {
      auto e = std::move(error_);
      e->restore();
      throw py::error_already_set();
    }
  }

 private:
  py::object fn_;
  std::unique_ptr<py::error_already_set> error_;
};

/// Runs `f` without the GIL; a cancellation caused by a callback's exception re-raises it.
template <class F>
auto compute(PyProgress& progress, F&& f) {
  try {
    py::gil_scoped_release nogil;
    return f();
  } catch (const Error& e) {
    if (e.code() == Errc::cancelled) progress.rethrow();
    throw;
  }
}

struct PyTerritory {
  std::shared_ptr<geodata::Cog> cog;
  std::shared_ptr<geodata::LoadedTerritory> loaded;
  std::filesystem::path data_dir;
  std::map<std::string, std::size_t> warnings;
  const Territory& t() const { return loaded->territory; }
};

struct PyOd {
  travel::OdMatrix od;
  std::vector<std::string> from_ids, to_ids;
};

std::string wkt(const MultiPolygon& mp) {
  if (mp.empty()) return "MULTIPOLYGON EMPTY";
  std::string s = "MULTIPOLYGON (";
  const auto ring = [&](const Ring& r) {
    s += '(';
    for (std::size_t i = 0; i < r.size(); ++i) s += fmt::format("{}{:.2f} {:.2f}", i ? ", " : "", r[i].x, r[i].y);
    s += ')';
  };
  for (std::size_t p = 0; p < mp.size(); ++p) {
    s += p ? ", (" : "(";
    ring(mp[p].outer);
    for (const auto& h : mp[p].holes) s += ", ", ring(h);
    s += ')';
  }
  return s + ")";
}

PyTerritory load_territory(const std::string& data, const std::string& cog, const std::vector<std::string>& regions,
                           const std::vector<std::string>& departements, const std::optional<std::string>& communes,
                           const std::optional<std::string>& apl, bool use_apl, int threads, py::object progress) {
  geodata::TerritoryOptions o;
  o.data_dir = geodata::resolve_data_dir(data);
  o.cog_dir = geodata::resolve_cog_dir(cog);
  if (communes) o.communes = *communes;
  if (apl) o.apl = *apl;
  o.use_apl = use_apl;
  o.regions = {regions.begin(), regions.end()};
  o.departements = {departements.begin(), departements.end()};
  o.threads = threads;
  PyProgress pp(std::move(progress));
  o.progress = pp.fn();
  PyTerritory out;
  out.data_dir = o.data_dir;
  compute(pp, [&] {
    out.cog = std::make_shared<geodata::Cog>(geodata::Cog::load(o.cog_dir));
    Diagnostics diag;
    out.loaded = std::make_shared<geodata::LoadedTerritory>(geodata::load_territory(o, *out.cog, diag));
    for (const auto& [k, n] : diag.counts()) out.warnings[std::string(warn_name(k))] = n;
    return 0;
  });
  return out;
}

PyOd travel_od(const PyTerritory& T, const std::string& model, double cutoff_min, double intra_min, double detour, double speed_kmh,
               double urban_speed_kmh, double urban_density, const std::string& osm, const std::string& table, int threads,
               py::object progress) {
  const auto s = travel::settings_from({.model = model,
                                        .cutoff_min = cutoff_min,
                                        .intra_min = intra_min,
                                        .detour = detour,
                                        .speed_kmh = speed_kmh,
                                        .urban_speed_kmh = urban_speed_kmh,
                                        .urban_density = urban_density,
                                        .osm = osm,
                                        .table = table,
                                        .threads = threads});
  PyProgress pp(std::move(progress));
  auto fn = pp.fn();
  PyOd out;
  out.od = compute(pp, [&] {
    Diagnostics diag;
    return geodata::build_travel(T.t(), s, diag, fn).od;
  });
  out.from_ids = out.to_ids = geodata::territory_codes(T.t());
  return out;
}

PyOd od_from_arrays(std::vector<std::string> from_ids, std::vector<std::string> to_ids,
                    const py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>& origin,
                    const py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>& dest, const Array& cost, double max_cost) {
  const auto n = static_cast<std::size_t>(origin.size());
  if (static_cast<std::size_t>(dest.size()) != n || static_cast<std::size_t>(cost.size()) != n)
    throw Error(Errc::value_invalid, "origin, destination and cost columns differ in length");
  std::vector<travel::OdRow> rows(from_ids.size());
  const auto* o = origin.data();
  const auto* d = dest.data();
  const auto* c = cost.data();
  for (std::size_t k = 0; k < n; ++k) {
    if (o[k] < 0 || static_cast<std::size_t>(o[k]) >= from_ids.size() || d[k] < 0 || static_cast<std::size_t>(d[k]) >= to_ids.size())
      throw Error(Errc::internal, "OD index out of range");
    if (!std::isfinite(c[k]) || c[k] < 0)
      throw Error(Errc::value_invalid,
                  fmt::format("cost {} of the pair {} -> {} is negative or not a number", c[k], from_ids[o[k]], to_ids[d[k]]), "OD table",
                  fmt::format("row {}", k), "give travel costs as non-negative numbers (minutes)");
    if (c[k] <= max_cost) rows[o[k]].emplace_back(static_cast<std::uint32_t>(d[k]), static_cast<float>(c[k]));
  }
  PyOd out;
  try {
    out.od = travel::assemble(std::move(rows), to_ids.size());
  } catch (const Error& e) {
    throw Error(e.code(), e.message() + " (a pair appears twice in the OD table)", "OD table", {}, "one row per (from, to) pair");
  }
  out.od.model = "table";
  out.from_ids = std::move(from_ids);
  out.to_ids = std::move(to_ids);
  return out;
}

py::tuple access_values(const PyOd& od, const Array& demand, const Array& supply, const std::string& method, const std::string& decay,
                        double max_cost, int n, std::optional<Array> supply_demand, std::optional<double> sa_alpha,
                        std::optional<std::string> sa_output) {
  if ((sa_alpha || sa_output) && access::parse_method(method) != access::Method::spatial_availability)
    throw Error(Errc::usage, fmt::format("sa_alpha and sa_output apply to method='spatial-availability', not '{}'", method), {}, {},
                "leave them None or use method='spatial-availability'");
  if (!(max_cost > 0)) throw Error(Errc::value_invalid, fmt::format("max_cost {}: it must be > 0 minutes", max_cost));
  const auto defaults = scenario::parse("", "oasis.access").access;  // the schema's defaults (access.sa_alpha, access.sa_output)
  auto p = runner::access_params(method, std::isfinite(max_cost) ? max_cost : 0.0, decay, n, sa_alpha.value_or(defaults.sa_alpha),
                                 sa_output.value_or(defaults.sa_output));
  const auto dem = to_vector(demand, od.od.n_origins(), "demand");
  const auto sup = to_vector(supply, od.od.n_destinations, "supply");
  std::vector<double> sd;
  if (supply_demand) sd = to_vector(*supply_demand, od.od.n_destinations, "supply_demand");
  PyProgress none{py::none()};
  const auto r = compute(none, [&] { return access::compute_access(p, od.od, dem, sup, sd); });
  std::vector<std::string> flags;
  flags.reserve(r.flag.size());
  for (auto f : r.flag) flags.emplace_back(access::flag_name(f));
  py::dict info;
  info["method"] = std::string(access::method_name(p.method));
  info["decay"] = p.decay.spec();
  if (p.method == access::Method::spatial_availability) {
    info["sa_alpha"] = p.sa_alpha;
    info["sa_output"] = std::string(access::sa_output_name(p.sa_per_capita));
  }
  info["supply_without_demand"] = r.supply_without_demand;
  info["supply_unreached"] = r.supply_unreached;
  return py::make_tuple(to_array(r.value), flags, info);
}

py::array_t<double> load_supply(const PyTerritory& T, const std::string& path, const std::string& format, const std::string& column) {
  geodata::SupplyOptions so;
  so.path = path.empty() ? (T.data_dir / "practitioners" / "rpps2026_gp_counts_communes.csv") : std::filesystem::path(path);
  so.format = format;
  so.column = column;
  PyProgress none{py::none()};
  return to_array(compute(none, [&] {
    Diagnostics diag;
    geodata::SupplyReport rep;
    return geodata::load_supply(so, T.t(), *T.cog, diag, rep).per_commune(T.t().size());
  }));
}

py::dict zone(const Array& values, const Array& population, const std::vector<std::string>& region,
              const std::vector<std::string>& unit_keys, const std::vector<std::string>& unit_names, const std::string& kind,
              double zip_below, double vivier_below, const std::map<std::string, std::pair<double, double>>& caps,
              const std::string& fill) {
  const auto v = to_vector(values, static_cast<std::size_t>(-1), "values");
  const auto n = v.size();
  const auto pop = to_vector(population, n, "population");
  if (region.size() != n || unit_keys.size() != n) throw Error(Errc::value_invalid, "region and unit keys need one value per commune");
  if (fill != "in-order" && fill != "skip") throw Error(Errc::usage, fmt::format("fill '{}': in-order or skip", fill));
  zoning::Rules rules;
  rules.zip_below = zip_below;
  rules.vivier_below = vivier_below;
  rules.skip_too_large = fill == "skip";
  for (const auto& [k, c] : caps) rules.caps[k] = {c.first, c.second};
  const auto names = unit_names.empty() ? std::vector<std::string>(n) : unit_names;
  if (names.size() != n) throw Error(Errc::value_invalid, "unit names need one value per commune");
  const auto units = zoning::UnitMapping::from_keys(unit_keys, names, kind);
  const auto r = zoning::classify(v, pop, region, units, rules);
  std::vector<std::string> zone(n), cls(n);
  std::vector<double> unit_value(n);
  for (std::size_t c = 0; c < n; ++c) {
    const auto u = units.unit_of[c];
    zone[c] = zoning::zone_name(r.zone[c]);
    cls[c] = zoning::class_name(r.unit_class[u]);
    unit_value[c] = r.unit_value[u];
  }
  py::dict out;
  out["zone"] = zone;
  out["rule"] = r.rule;
  out["class"] = cls;
  out["unit_value"] = to_array(unit_value);
  out["unit"] = [&] {
    std::vector<std::string> k(n);
    for (std::size_t c = 0; c < n; ++c) k[c] = units.code[units.unit_of[c]];
    return k;
  }();
  return out;
}

py::dict site(const PyOd& od, const Array& weight, const std::string& model, int p, double radius, const std::vector<std::uint32_t>& fixed,
              std::optional<Array> capacity, int rounds, std::uint64_t seed, double time_limit, const std::string& exact,
              double exact_time_limit, py::object progress) {
  siting::Instance in;
  in.od = od.od;
  in.weight = to_vector(weight, od.od.n_origins(), "demand weight");
  in.fixed = fixed;
  if (capacity) in.capacity = to_vector(*capacity, od.od.n_destinations, "capacity");
  siting::Options o;
  o.model = siting::parse_model(model);
  o.p = p;
  o.radius = radius;
  o.rounds = rounds;
  o.seed = seed;
  o.time_limit_s = time_limit;
  o.exact = exact;
  o.exact_time_limit_s = exact_time_limit;
  PyProgress pp(std::move(progress));
  o.progress = pp.fn();
  const auto s = compute(pp, [&] { return siting::solve(in, o); });
  std::vector<std::string> ids;
  for (auto j : s.open) ids.push_back(od.to_ids[j]);
  py::dict out;
  out["model"] = std::string(siting::model_name(o.model));
  out["open"] = ids;
  out["open_index"] = s.open;
  out["objective"] = s.objective;
  out["bound"] = s.bound;
  out["gap"] = s.gap;
  out["unserved_weight"] = s.unserved_weight;
  out["method"] = s.method;
  out["rounds"] = s.rounds;
  out["seconds"] = s.seconds;
  return out;
}

grants::CommuneTable table_from(const py::object& src, const std::string& label) {
  if (py::isinstance<py::str>(src) || py::hasattr(src, "__fspath__")) {
    std::filesystem::path p(py::str(src).cast<std::string>());
    if (std::filesystem::is_directory(p)) p /= "zones.csv";
    return grants::CommuneTable::read(p);
  }
  // (columns, rows): rows are lists of texts, the first column the INSEE code.
  const auto t = src.cast<std::pair<std::vector<std::string>, std::vector<std::vector<std::string>>>>();
  std::vector<std::pair<std::string, std::vector<std::string>>> rows;
  for (const auto& r : t.second) {
    if (r.empty()) continue;
    rows.emplace_back(CodeInsee::from(r[0], label).to_string(), r);
    rows.back().second[0] = rows.back().first;
  }
  return grants::CommuneTable::from_rows(label, t.first, std::move(rows));
}

py::tuple run_grants(const std::string& scheme_path, const py::object& applications,
                     const std::vector<std::pair<std::string, py::object>>& zones, const py::object& facts,
                     const std::map<std::string, std::string>& params, const std::string& faculties, const std::string& road_minutes,
                     const std::string& road_km) {
  auto scheme = grants::load_scheme(scheme_path);
  if (!params.empty()) scheme = grants::with_parameters(scheme, {params.begin(), params.end()});
  std::vector<grants::Application> apps;
  if (py::isinstance<py::str>(applications) || py::hasattr(applications, "__fspath__")) {
    apps = grants::read_applications(py::str(applications).cast<std::string>(), *scheme);
  } else {
    std::size_t k = 0;
    for (const auto& rec : applications.cast<std::vector<std::map<std::string, std::string>>>()) {
      ++k;
      const auto id = rec.count("id") ? rec.at("id") : std::string();
      if (id.empty()) throw Error(Errc::value_invalid, fmt::format("application {} has no id", k), "applications", {}, "give an id column");
      apps.push_back(grants::make_application(*scheme, id, rec, fmt::format("applications, row {}", k)));
    }
  }
  grants::ZoneHistory zh;
  for (const auto& [date, src] : zones) zh.add(date, table_from(src, date.empty() ? "zones" : "zones " + date));
  if (!facts.is_none()) zh.facts = table_from(facts, "facts");
  grants::RoadTables roads;
  if (!road_minutes.empty()) roads.minutes = grants::RoadTables::read(road_minutes, "minutes");
  if (!road_km.empty()) roads.km = grants::RoadTables::read(road_km, "km");
  std::vector<grants::Faculty> fac;
  grants::EvalContext ctx{&zh, nullptr, &roads};
  if (!faculties.empty()) fac = grants::read_faculties(faculties), ctx.faculties = &fac;
  PyProgress none{py::none()};
  const auto res = compute(none, [&] { return grants::evaluate(*scheme, apps, ctx); });
  py::list rows;
  for (const auto& d : res.decisions) {
    py::dict r;
    r["id"] = d.id;
    r["eligible"] = std::string(grants::tri_name(d.eligible));
    r["amount"] = d.amount ? py::object(py::float_(*d.amount)) : py::object(py::none());
    r["awarded"] = d.awarded ? py::object(py::float_(*d.awarded)) : py::object(py::none());
    r["status"] = d.status;
    r["clauses"] = d.clauses;
    r["reasons"] = d.reasons;
    rows.append(r);
  }
  return py::make_tuple(rows, res.summary.dump());
}

py::tuple run_scenario(const std::string& path, const std::string& out_dir, bool overwrite, const std::string& data, const std::string& cog,
                       std::optional<int> threads, std::optional<bool> csv_fr, py::object progress) {
  const auto s = scenario::load(path);
  runner::RunOptions o;
  o.out_dir = out_dir;
  o.overwrite = overwrite;
  o.data_dir = data;
  o.cog_dir = cog;
  o.threads = threads;
  o.csv_fr = csv_fr;
  PyProgress pp(std::move(progress));
  o.progress = pp.fn();
  const auto r = compute(pp, [&] {
    Diagnostics diag;
    return runner::run(s, o, diag);
  });
  py::list zones;
  for (const auto& z : r.zones)
    zones.append(py::make_tuple(z.code, z.name, z.unit, z.population, z.apl, z.indicator, z.zone, z.rule, z.unit_indicator, z.cls,
                                z.density_100k, z.time_gp_min, z.time_urgences_min, z.time_su_min, z.x,
                                z.y));  // the order of zone_list_columns()
  return py::make_tuple(r.summary.dump(), zones, r.timings.dump());
}

}  // namespace

namespace {

/// The OasisError of an Error: the message as the CLI prints it, and its fields as attributes.
py::object error_object(const Error& e) {
  py::object exc = py::reinterpret_borrow<py::object>(g_error_type)(format_error(e));
  exc.attr("code") = static_cast<int>(e.code());
  exc.attr("name") = std::string(errc_name(e.code()));
  exc.attr("message") = e.message();
  exc.attr("file") = e.file();
  exc.attr("record") = e.record();
  exc.attr("fix") = e.fix();
  return exc;
}

/// The output schema and the error table: zone_list_columns, OasisError and its translator, errors.
void define_schema_and_errors(py::module_& m) {
  m.def(
      "zone_list_columns",
      [] {
        std::vector<std::string> out;
        for (const auto c : runner::zone_list_columns()) out.emplace_back(c);
        return out;
      },
      "The columns of zones.csv (and of the zone DataFrame of run()), from the output schema");
  g_error_type = PyErr_NewExceptionWithDoc("oasis._oasis.OasisError",
                                           "An Oasis error: .code (int, the CLI exit code), .name (E-...), .message, .file, .record, .fix",
                                           PyExc_RuntimeError, nullptr);
  m.attr("OasisError") = py::handle(g_error_type);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const Error& e) {
      const auto exc = error_object(e);
      PyErr_SetObject(g_error_type, exc.ptr());
    }
  });
  m.def(
      "error",
      [](int code, std::string message, std::string file, std::string record, std::string fix) {
        for (const auto& i : all_errcs())
          if (static_cast<int>(i.code) == code)
            return error_object(Error(i.code, std::move(message), std::move(file), std::move(record), std::move(fix)));
        throw Error(Errc::internal, fmt::format("no error code {}", code));
      },
      py::arg("code"), py::arg("message"), py::arg("file") = "", py::arg("record") = "", py::arg("fix") = "",
      "An OasisError with the CLI's code and fields, for the errors found on the Python side (raise oasis._oasis.error(...))");
  m.def(
      "errors",
      [] {
        std::vector<std::tuple<int, std::string, std::string>> out;
        for (const auto& i : all_errcs()) out.emplace_back(static_cast<int>(i.code), std::string(i.name), std::string(i.meaning));
        return out;
      },
      "Every error code: (exit code, name, meaning)");
}

/// The Territory class (communes, columns, boundaries).
void define_territory(py::module_& m) {
  py::class_<PyTerritory>(m, "Territory", "Communes loaded from the data directory (dense ids 0..n-1, INSEE codes as text)")
      .def_property_readonly("size", [](const PyTerritory& T) { return T.t().size(); })
      .def_property_readonly("codes", [](const PyTerritory& T) { return geodata::territory_codes(T.t()); })
      .def_property_readonly("names", [](const PyTerritory& T) { return T.t().name(); })
      .def_property_readonly("departement", [](const PyTerritory& T) { return T.t().departement(); })
      .def_property_readonly("region", [](const PyTerritory& T) { return T.t().region(); })
      .def_property_readonly("epci", [](const PyTerritory& T) { return T.t().epci(); })
      .def_property_readonly(
          "population", [](const PyTerritory& T) { return to_array(T.t().population()); }, "legal population (inhabitants)")
      .def_property_readonly(
          "x", [](const PyTerritory& T) { return to_array(T.t().x()); }, "Lambert-93 x of the commune's point (metres)")
      .def_property_readonly(
          "y", [](const PyTerritory& T) { return to_array(T.t().y()); }, "Lambert-93 y (metres)")
      .def_property_readonly("cog_version", [](const PyTerritory& T) { return T.loaded->cog_version; })
      .def_property_readonly("warnings", [](const PyTerritory& T) { return T.warnings; })
      .def("column_names", [](const PyTerritory& T) { return T.t().column_names(); })
      .def(
          "column",
          [](const PyTerritory& T, const std::string& name) {
            const auto* c = T.t().column(name);
            if (!c)
              throw Error(Errc::field_missing, fmt::format("no column '{}'", name), {}, {},
                          fmt::format("columns: {}", fmt::join(T.t().column_names(), ", ")));
            return to_array(*c);
          },
          py::arg("name"), "a numeric column (population_std, apl_official, apl_official_u65...)")
      .def(
          "wkt",
          [](const PyTerritory& T) {
            std::vector<std::string> out;
            out.reserve(T.t().size());
            for (CommuneId c = 0; c < T.t().size(); ++c) out.push_back(wkt(T.t().shape(c)));
            return out;
          },
          "boundaries as WKT MULTIPOLYGON, Lambert-93 metres (EPSG:2154)");
}

/// The Od class (a sparse origin-destination table).
void define_od(py::module_& m) {
  py::class_<PyOd>(m, "Od", "A sparse origin-destination table (minutes): origins = demand, destinations = supply / candidates")
      .def_property_readonly("n_origins", [](const PyOd& o) { return o.od.n_origins(); })
      .def_property_readonly("n_destinations", [](const PyOd& o) { return o.od.n_destinations; })
      .def_property_readonly("pairs", [](const PyOd& o) { return o.od.pairs(); })
      .def_property_readonly("from_ids", [](const PyOd& o) { return o.from_ids; })
      .def_property_readonly("to_ids", [](const PyOd& o) { return o.to_ids; })
      .def_property_readonly("model", [](const PyOd& o) { return o.od.model; })
      .def_property_readonly("cutoff_min", [](const PyOd& o) { return o.od.cutoff_min; })
      .def(
          "arrays",
          [](const PyOd& o) {
            std::vector<std::int64_t> from, to;
            std::vector<double> minutes;
            from.reserve(o.od.pairs()), to.reserve(o.od.pairs()), minutes.reserve(o.od.pairs());
            for (std::size_t i = 0; i < o.od.n_origins(); ++i) {
              const auto d = o.od.destinations(i);
              const auto t = o.od.times(i);
              for (std::size_t k = 0; k < d.size(); ++k)
                from.push_back(static_cast<std::int64_t>(i)), to.push_back(d[k]), minutes.push_back(travel::minutes_as_given(t[k]));
            }
            return py::make_tuple(to_array(from), to_array(to), to_array(minutes));
          },
          "(origin index, destination index, minutes) as numpy arrays, by origin then destination");
}

/// The steps, one declaration per exported function and its keyword arguments (the defaults read
/// from the library's own option structs).
void define_steps(py::module_& m) {
  m.def("load_territory", &load_territory, py::arg("data") = "", py::arg("cog") = "", py::arg("regions") = std::vector<std::string>{},
        py::arg("departements") = std::vector<std::string>{}, py::arg("communes") = py::none(), py::arg("apl") = py::none(),
        py::arg("use_apl") = true, py::arg("threads") = 0, py::arg("progress") = py::none());
  const travel::TravelOptions td;  // the one declaration of the travel defaults
  m.def("travel", &travel_od, py::arg("territory"), py::arg("model") = td.model, py::arg("cutoff_min") = td.cutoff_min,
        py::arg("intra_min") = td.intra_min, py::arg("detour") = td.detour, py::arg("speed_kmh") = td.speed_kmh,
        py::arg("urban_speed_kmh") = td.urban_speed_kmh, py::arg("urban_density") = td.urban_density, py::arg("osm") = td.osm,
        py::arg("table") = td.table, py::arg("threads") = td.threads, py::arg("progress") = py::none());
  m.def(
      "travel_defaults",
      [] {
        const travel::TravelOptions d;
        py::dict out;
        out["model"] = d.model;
        out["cutoff_min"] = d.cutoff_min;
        out["intra_min"] = d.intra_min;
        out["detour"] = d.detour;
        out["speed_kmh"] = d.speed_kmh;
        out["urban_speed_kmh"] = d.urban_speed_kmh;
        out["urban_density"] = d.urban_density;
        return out;
      },
      "The defaults of the travel options (the engine's one declaration)");
  m.def("od_from_arrays", &od_from_arrays, py::arg("from_ids"), py::arg("to_ids"), py::arg("origin"), py::arg("destination"),
        py::arg("cost"), py::arg("max_cost") = std::numeric_limits<double>::infinity());
  m.def("access", &access_values, py::arg("od"), py::arg("demand"), py::arg("supply"), py::arg("method") = "2sfca", py::arg("decay") = "",
        py::arg("max_cost") = std::numeric_limits<double>::infinity(), py::arg("n") = 1, py::arg("supply_demand") = py::none(),
        py::arg("sa_alpha") = py::none(), py::arg("sa_output") = py::none());
  m.def("load_supply", &load_supply, py::arg("territory"), py::arg("path") = "", py::arg("format") = "auto", py::arg("column") = "");
  m.def("zone", &zone, py::arg("values"), py::arg("population"), py::arg("region"), py::arg("unit_keys"),
        py::arg("unit_names") = std::vector<std::string>{}, py::arg("kind") = "epci", py::arg("zip_below") = 2.5,
        py::arg("vivier_below") = 4.0, py::arg("caps") = std::map<std::string, std::pair<double, double>>{}, py::arg("fill") = "in-order");
  const siting::Options site_defaults;  // the library's defaults are the binding's (and the CLI's)
  m.def("site", &site, py::arg("od"), py::arg("weight"), py::arg("model") = std::string(siting::model_name(site_defaults.model)),
        py::arg("p") = site_defaults.p, py::arg("radius") = site_defaults.radius, py::arg("fixed") = std::vector<std::uint32_t>{},
        py::arg("capacity") = py::none(), py::arg("rounds") = site_defaults.rounds, py::arg("seed") = site_defaults.seed,
        py::arg("time_limit") = site_defaults.time_limit_s, py::arg("exact") = site_defaults.exact,
        py::arg("exact_time_limit") = site_defaults.exact_time_limit_s, py::arg("progress") = py::none());
  m.def("site_defaults", [] {
    const siting::Options d;
    py::dict out;
    out["model"] = std::string(siting::model_name(d.model));
    out["p"] = d.p;
    out["radius"] = d.radius;
    out["rounds"] = d.rounds;
    out["seed"] = d.seed;
    out["time_limit"] = d.time_limit_s;
    out["exact"] = d.exact;
    out["exact_time_limit"] = d.exact_time_limit_s;
    return out;
  });
  m.def("grants", &run_grants, py::arg("scheme"), py::arg("applications"),
        py::arg("zones") = std::vector<std::pair<std::string, py::object>>{}, py::arg("facts") = py::none(),
        py::arg("params") = std::map<std::string, std::string>{}, py::arg("faculties") = "", py::arg("road_minutes") = "",
        py::arg("road_km") = "");
  m.def("run", &run_scenario, py::arg("scenario"), py::arg("out_dir") = "", py::arg("overwrite") = false, py::arg("data") = "",
        py::arg("cog") = "", py::arg("threads") = py::none(), py::arg("csv_fr") = py::none(), py::arg("progress") = py::none());
}

/// Sweeps (docs/sweeps.md): the C++ half of oasis.sweep(); the Python half schedules the tasks.
void define_sweep(py::module_& m) {
  py::class_<sweep::Worker>(m, "SweepWorker",
                            "The inputs of a sweep loaded once (per Dask worker) and the tasks run on them; one task at a time")
      .def(py::init([](const std::string& file, const std::string& data) {
             runner::RunOptions o;
             o.data_dir = data;
             auto spec = sweep::load(file);
             return std::make_unique<sweep::Worker>(std::move(spec), std::move(o));
           }),
           py::arg("file"), py::arg("data") = "")
      .def_property_readonly("tasks", [](const sweep::Worker& w) { return w.spec().tasks(); })
      .def_property_readonly("points", [](const sweep::Worker& w) { return w.spec().points(); })
      .def_property_readonly("draws", [](const sweep::Worker& w) { return w.spec().mc.draws; })
      .def_property_readonly("name", [](const sweep::Worker& w) { return w.spec().name; })
      .def_property_readonly("loads", &sweep::Worker::loads, "how many times the inputs were loaded")
      .def(
          "prepare",
          [](sweep::Worker& w) {
            py::gil_scoped_release nogil;
            (void)w.frame();
          },
          "loads the base inputs now (their errors before any task runs)")
      .def(
          "run",
          [](sweep::Worker& w, std::size_t index) {
            std::string bytes;
            {
              py::gil_scoped_release nogil;
              bytes = w.run(index).encode();
            }
            return py::bytes(bytes);
          },
          py::arg("index"), "task `index`: its result, encoded (bytes)")
      .def(
          "write",
          [](sweep::Worker& w, const std::vector<std::string>& results, const std::string& out_dir, bool overwrite,
             const std::string& scheduler_json) {
            std::vector<sweep::TaskResult> rs;
            rs.reserve(results.size());
            for (const auto& b : results) rs.push_back(sweep::TaskResult::decode(b));
            sweep::WriteOptions o;
            o.dir = out_dir;
            o.overwrite = overwrite;
            o.scheduler = nlohmann::ordered_json::parse(scheduler_json.empty() ? "{}" : scheduler_json);
            py::gil_scoped_release nogil;
            return sweep::write_outputs(w.spec(), w.frame(), std::move(rs), o).dump();
          },
          py::arg("results"), py::arg("out_dir"), py::arg("overwrite") = false, py::arg("scheduler") = "",
          "the aggregates of every task's result into out_dir; returns summary.json");
  m.def(
      "sweep_check",
      [](const std::string& file) {
        const auto s = sweep::load(file);
        return py::make_tuple(s.tasks(), s.points(), s.mc.draws, s.name);
      },
      py::arg("file"), "validates a sweep file: (tasks, grid points, draws, name)");
  m.def("sweep_schema_markdown", [] { return sweep::schema_markdown(); });
}

/// The planner of oasis serve (docs/serve.md), without HTTP: the same sessions, changes and exports.
void define_planner(py::module_& m) {
  using serve::Planner;
  const auto j = [](const serve::json& x) { return x.dump(); };
  py::class_<Planner>(m, "Planner", "The what-if planner of oasis serve: sessions of changes on served scenarios (JSON texts in and out)")
      .def(py::init([](const std::vector<std::string>& files, const std::string& data) {
             runner::RunOptions o;
             o.data_dir = data;
             return std::make_unique<Planner>(std::vector<std::filesystem::path>(files.begin(), files.end()), std::move(o));
           }),
           py::arg("scenarios"), py::arg("data") = "")
      .def("territories", [j](const Planner& p) { return j(p.territories()); })
      .def(
          "open_session",
          [j](Planner& p, const std::string& t) {
            py::gil_scoped_release nogil;
            return j(p.open_session(t));
          },
          py::arg("territory"))
      .def(
          "state", [j](Planner& p, const std::string& s) { return j(p.state(s)); }, py::arg("session"))
      .def("geometry", &Planner::geometry, py::arg("session"))
      .def(
          "change",
          [j](Planner& p, const std::string& s, const std::string& change) {
            const auto c = serve::json::parse(change);
            py::gil_scoped_release nogil;
            return j(p.change(s, c));
          },
          py::arg("session"), py::arg("change"))
      .def(
          "undo",
          [j](Planner& p, const std::string& s, long index) {
            py::gil_scoped_release nogil;
            return j(p.undo(s, index));
          },
          py::arg("session"), py::arg("index") = -1)
      .def("scenario_toml", &Planner::scenario_toml, py::arg("session"))
      .def(
          "export_file",
          [](Planner& p, const std::string& s, const std::string& name) {
            std::string bytes;
            {
              py::gil_scoped_release nogil;
              bytes = p.export_file(s, name);
            }
            return py::bytes(bytes);
          },
          py::arg("session"), py::arg("name"))
      .def("close_session", &Planner::close_session, py::arg("session"));
}

}  // namespace

PYBIND11_MODULE(_oasis, m) {
  m.doc() = "Oasis engine (compiled part); use the `oasis` package";
  m.attr("__version__") = std::string(kVersion);
  define_schema_and_errors(m);
  define_territory(m);
  define_od(m);
  define_steps(m);
  define_sweep(m);
  define_planner(m);
}
