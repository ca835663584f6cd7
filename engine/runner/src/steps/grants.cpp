// Step "grants": each [[grants]] scheme judged on the run's zone list (typed, no text round trip)
// and on the baseline's: awards and the budget impact of the change.
#include <map>
#include <set>

#include <fmt/format.h>

#include "oasis/core/checksum.hpp"
#include "oasis/core/error.hpp"
#include "oasis/grants/grants.hpp"
#include "oasis/runner/columns.hpp"
#include "oasis/runner/steps.hpp"

namespace oasis::runner {

grants::CommuneTable zone_table(const std::vector<ZoneRow>& rows, std::string source) {
  std::vector<std::string> codes;
  codes.reserve(rows.size());
  for (const auto& r : rows) codes.push_back(r.code);
  const auto text = [&](auto field) {
    grants::CommuneTable::Column c;
    for (const auto& r : rows) c.text.push_back(field(r));
    return c;
  };
  const auto number = [&](auto field) {
    grants::CommuneTable::Column c;
    c.numeric = true;
    for (const auto& r : rows) c.number.push_back(field(r));
    return c;
  };
  std::vector<grants::CommuneTable::Column> cols;
  for (const auto name : zone_list_columns()) {
    grants::CommuneTable::Column c;
    if (name == "code_insee")
      c = text([](const ZoneRow& r) { return r.code; });
    else if (name == "name")
      c = text([](const ZoneRow& r) { return r.name; });
    else if (name == "unit_id")
      c = text([](const ZoneRow& r) { return r.unit; });
    else if (name == "population")
      c = number([](const ZoneRow& r) { return r.population; });
    else if (name == "apl")
      c = number([](const ZoneRow& r) { return r.apl; });
    else if (name == "indicator")
      c = number([](const ZoneRow& r) { return r.indicator; });
    else if (name == "zone")
      c = text([](const ZoneRow& r) { return r.zone; });
    else if (name == "rule")
      c = text([](const ZoneRow& r) { return r.rule; });
    else if (name == "unit_indicator")
      c = number([](const ZoneRow& r) { return r.unit_indicator; });
    else if (name == "class")
      c = text([](const ZoneRow& r) { return r.cls; });
    else if (name == "density_100k")
      c = number([](const ZoneRow& r) { return r.density_100k; });
    else if (name == "time_nearest_gp_min")
      c = number([](const ZoneRow& r) { return r.time_gp_min; });
    else if (name == "time_nearest_urgences_min")
      c = number([](const ZoneRow& r) { return r.time_urgences_min; });
    else if (name == "time_nearest_su_min")
      c = number([](const ZoneRow& r) { return r.time_su_min; });
    else if (name == "x_l93")
      c = number([](const ZoneRow& r) { return r.x; });
    else if (name == "y_l93")
      c = number([](const ZoneRow& r) { return r.y; });
    else
      throw Error(Errc::internal, fmt::format("zone list column {} has no field", name));
    c.name = std::string(name);
    cols.push_back(std::move(c));
  }
  return grants::CommuneTable::from_columns(std::move(source), codes, std::move(cols));
}

Grants evaluate_grants(const scenario::Scenario& s, const std::vector<ZoneRow>& rows, const std::vector<ZoneRow>* base,
                       const std::optional<Siting>& sit, bool csv_fr) {
  Grants out;
  out.summary = json::array();
  std::set<std::string> ids;
  for (const auto& g : s.grants) {
    auto scheme = grants::load_scheme(g.scheme);
    if (!g.parameters.empty()) {
      std::vector<std::pair<std::string, std::string>> ov;
      for (const auto& p : g.parameters) ov.emplace_back(p.substr(0, p.find('=')), p.substr(p.find('=') + 1));
      scheme = grants::with_parameters(scheme, ov);
    }
    const auto& I = grants::info(*scheme);
    if (!ids.insert(I.id).second)
      throw Error(Errc::scenario_value, fmt::format("the scheme '{}' is listed twice under [[grants]]", I.id), g.where);
    auto apps = g.applications.empty() ? std::vector<grants::Application>{} : grants::read_applications(g.applications, *scheme);
    std::size_t from_sites = 0;
    if (g.from_sites) {
      if (!sit)
        throw Error(Errc::scenario_value, "[[grants]] from_sites = true, but the scenario places no site", g.where, {},
                    "set [siting] sites = N");
      std::map<std::string, std::string> fields;
      for (const auto& f : g.site_fields) fields[f.substr(0, f.find('='))] = f.substr(f.find('=') + 1);
      for (const auto& site : sit->sites)
        for (int k = 1; k <= site.openings; ++k) {
          fields[g.site_commune] = site.code;
          apps.push_back(
              grants::make_application(*scheme, fmt::format("site-{}-{}", site.code, k), fields, "[siting] opening at " + site.code));
          ++from_sites;
        }
    }
    std::optional<grants::CommuneTable> facts;
    if (!g.facts.empty()) facts = grants::CommuneTable::read(g.facts);
    const auto eval_on = [&](const std::vector<ZoneRow>& zl, const std::string& label) {
      grants::ZoneHistory zh;
      zh.add("", zone_table(zl, label));
      if (facts) zh.facts = *facts;
      return grants::evaluate(*scheme, apps, {&zh, nullptr, nullptr});
    };
    const auto res = eval_on(rows, "zone list of the run");
    const auto file = "awards-" + I.id + ".csv";
    out.awards.emplace_back(file, grants::awards_csv(res, csv_fr));
    json e{{"scheme", I.id},
           {"version", I.version},
           {"file", g.scheme},
           {"scheme_sha256", sha256_file(g.scheme)},
           {"applications", g.applications},
           {"applications_sha256", g.applications.empty() ? std::string() : sha256_file(g.applications)},
           {"parameters", g.parameters},
           {"applications_from_sites", from_sites},
           {"awards", file},
           {"result", res.summary}};
    e["result"].erase("scheme");
    if (base) {
      const auto b = eval_on(*base, "zone list of the baseline");
      std::size_t changed = 0;
      for (std::size_t i = 0; i < apps.size(); ++i)
        changed += b.decisions[i].eligible != res.decisions[i].eligible || b.decisions[i].awarded != res.decisions[i].awarded;
      const double tb = b.summary["awarded_total"].get<double>(), tr = res.summary["awarded_total"].get<double>();
      e["baseline"] = {{"awarded_count", b.summary["awarded_count"]},
                       {"awarded_total", tb},
                       {"eligible", b.summary["eligible"]},
                       {"applications_changed", changed},
                       {"awarded_total_difference", tr - tb}};
    }
    out.summary.push_back(std::move(e));
  }
  return out;
}

}  // namespace oasis::runner
