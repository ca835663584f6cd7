// The output schema (columns.hpp): one declaration per output column.
#include "oasis/runner/columns.hpp"

#include <array>

#include <fmt/format.h>

#include "oasis/core/error.hpp"

namespace oasis::runner {
namespace {

using T = ColumnType;

// clang-format off
constexpr std::array kColumns = std::to_array<ColumnDecl>({
  // zones.csv and the GeoPackage layer "communes" (the layer has every one of these but the points)
  {"communes", "code_insee", T::text, "", "Code INSEE", "INSEE code of the commune (COG of the run), text: keep the leading zero"},
  {"communes", "name", T::text, "", "Commune", "Name of the commune"},
  {"communes", "departement", T::text, "", "Département", "Code of the département (\"01\", \"2A\", \"971\")"},
  {"communes", "region", T::text, "", "Région", "Code of the région (COG)"},
  {"communes", "unit_id", T::text, "", "Unité de zonage", "Code of the zoning unit (SIREN of the EPCI, TVS code, commune or département code)"},
  {"communes", "unit_name", T::text, "", "Nom de l'unité", "Name of the zoning unit"},
  {"communes", "chef_lieu", T::text, "", "Chef-lieu", "région when the commune is the prefecture of its région, département when it is that of its département, empty otherwise (COG chefLieu): the towns the maps name"},
  {"communes", "population", T::integer, "inhabitants", "Population", "Legal population (COG)"},
  {"communes", "population_std", T::real, "inhabitants", "Population standardisée", "Age-standardised population (DREES weights), the APL demand"},
  {"communes", "supply", T::real, "practitioners", "Offre", "Supply counted in the commune after the scenario's modifications (supply.kind)"},
  {"communes", "supply_before", T::real, "practitioners", "Offre avant modifications", "Supply before the scenario's modifications"},
  {"communes", "apl", T::real, "consultations/year/inhabitant", "APL calculée", "The accessibility indicator computed by the run ([access]; the APL by default)"},
  {"communes", "apl_u65", T::real, "consultations/year/inhabitant", "APL calculée (moins de 65 ans)", "The same with the practitioners under 65 only (supply with ages)"},
  {"communes", "apl_official", T::real, "consultations/year/inhabitant", "APL publiée (DREES)", "The DREES published APL (data.apl)"},
  {"communes", "apl_official_u65", T::real, "consultations/year/inhabitant", "APL publiée (DREES, moins de 65 ans)", "The DREES published APL, practitioners under 65"},
  {"communes", "indicator", T::real, "consultations/year/inhabitant", "Indicateur zoné", "The value the zoning classifies (zoning.indicator: apl, apl_u65, apl_official...)"},
  {"communes", "zone", T::text, "", "Zone", "Final zone: ZIP, ZAC, hors-zonage, non-classe"},
  {"communes", "rule", T::text, "", "Règle", "The rule that gave the zone (mandatory, vivier-zip, vivier-zac, official...)"},
  {"communes", "unit_indicator", T::real, "consultations/year/inhabitant", "Indicateur de l'unité", "Population-weighted mean of the zoned indicator over the unit"},
  {"communes", "class", T::text, "", "Classe", "Class of the unit before the ARS pick: ZIP, vivier, hors-vivier, sans-valeur"},
  {"communes", "density_100k", T::real, "practitioners/100,000 inhabitants", "Densité pour 100 000 hab.", "Supply per 100,000 inhabitants"},
  {"communes", "{indicators.name}", T::real, "", "Indicateur supplémentaire", "One column per [[indicators]] entry, named by it"},
  {"communes", "{indicators.name}_density_100k", T::real, "per 100,000 inhabitants", "Densité (indicateur supplémentaire)", "Its supply per 100,000 inhabitants"},
  {"communes", "time_nearest_gp_min", T::real, "minutes", "Temps au plus proche (min)", "Minutes to the nearest commune with supply (empty beyond the travel cutoff)"},
  {"communes", "time_nearest_urgences_min", T::real, "minutes", "Temps aux urgences (min)", "Minutes to the nearest urgent-care site (flags.urgences; SAE: a general SU or a SMUR), every commune (docs/urgences.md)"},
  {"communes", "time_nearest_su_min", T::real, "minutes", "Temps au SU (min)", "Minutes to the nearest authorised general emergency service (flags.urgences_format = \"sae\"; empty otherwise)"},
  {"communes", "flag_urgences", T::integer, "", "Loin des urgences", "1 when the commune is farther than flags.urgences_max_min from urgent care"},
  {"communes", "time_nearest_msp_min", T::real, "minutes", "Temps à une MSP (min)", "Minutes to the nearest commune with a maison de santé pluriprofessionnelle (flags.msp), every commune"},
  {"communes", "msp", T::integer, "", "MSP", "1 when the commune has an MSP (flags.msp)"},
  {"communes", "flag_density", T::integer, "", "Densité faible", "1 when the density is below flags.density_below"},
  {"communes", "deficit_2003", T::text, "", "Zone déficitaire 2003", "Décret 2003-1140 rule of the unit: oui, non, indetermine"},
  {"communes", "value_after_siting", T::real, "consultations/year/inhabitant", "Valeur après implantation", "siting.level = commune: the value after the openings"},
  {"communes", "x_l93", T::real, "metres", "X (Lambert-93)", "The commune's point, Lambert-93 (zones.csv)"},
  {"communes", "y_l93", T::real, "metres", "Y (Lambert-93)", "The commune's point, Lambert-93 (zones.csv)"},

  // GeoPackage layer "units"
  {"units", "unit_id", T::text, "", "Unité de zonage", "Code of the zoning unit"},
  {"units", "name", T::text, "", "Nom de l'unité", "Name of the unit"},
  {"units", "region", T::text, "", "Région", "The région holding most of the unit's population"},
  {"units", "communes", T::integer, "", "Communes", "Communes of the run in the unit"},
  {"units", "population", T::integer, "inhabitants", "Population", "Legal population of the unit"},
  {"units", "indicator", T::real, "consultations/year/inhabitant", "Indicateur zoné", "Population-weighted mean of the zoned indicator"},
  {"units", "density_100k", T::real, "practitioners/100,000 inhabitants", "Densité pour 100 000 hab.", "Supply per 100,000 inhabitants"},
  {"units", "class", T::text, "", "Classe", "Class before the ARS pick"},
  {"units", "zone", T::text, "", "Zone", "Final zone of the unit"},
  {"units", "rule", T::text, "", "Règle", "The rule that gave the zone"},
  {"units", "share_below_line", T::real, "", "Part sous le seuil", "Share of the unit's population (legal, communes with a value) whose computed indicator (apl) is below access.line"},
  {"units", "deficit_2003", T::text, "", "Zone déficitaire 2003", "Décret 2003-1140 rule: oui, non, indetermine"},
  {"units", "population_beyond_urgences", T::integer, "inhabitants", "Population loin des urgences", "Population of the unit's communes farther than flags.urgences_max_min from urgent care (flags.urgences)"},
  {"units", "share_beyond_urgences", T::real, "", "Part loin des urgences", "population_beyond_urgences / the unit's population"},
  {"units", "value_after_siting", T::real, "consultations/year/inhabitant", "Valeur après implantation", "siting.level = unit: the value after the openings"},

  // sites.csv and the GeoPackage layer "sites"
  {"sites", "code_insee", T::text, "", "Code INSEE", "Commune receiving openings"},
  {"sites", "name", T::text, "", "Commune", "Its name"},
  {"sites", "population", T::integer, "inhabitants", "Population", "The commune's legal population"},
  {"sites", "openings", T::integer, "", "Ouvertures", "Openings placed there"},
  {"sites", "supply_added", T::real, "practitioners", "Offre ajoutée", "openings x siting.supply_per_site"},
  {"sites", "marginal", T::real, "", "Apport marginal", "Objective lost if that commune's openings alone were removed"},

  // supply.csv (supply.calibrate, or the raw model of supply.combine / supply.factors): the baseline supply, one row per commune that holds some
  {"supply", "code_insee", T::text, "", "Code INSEE", "Commune with recorded practitioners or calibrated supply"},
  {"supply", "name", T::text, "", "Commune", "Its name"},
  {"supply", "departement", T::text, "", "Département", "Its département (the cross-validation fold)"},
  {"supply", "headcount", T::real, "practitioners", "Effectif", "Practitioners of the supply file before the scenario's modifications"},
  {"supply", "recorded_sites", T::real, "practitioners", "Effectif (2e source)", "Practitioners of supply.calibrate_sites (empty when none is read)"},
  {"supply", "prior_activity", T::real, "consultations/year", "Activité a priori", "The prior (supply.combine of headcount and recorded_sites) x supply.activity"},
  {"supply", "calibrated_activity", T::real, "consultations/year", "Activité calibrée", "The baseline supply: consultations a year credited to the commune (fitted; or prior x département factor for the raw model)"},
  {"supply", "activity_per_gp", T::real, "consultations/year/practitioner", "Activité par praticien", "calibrated_activity / headcount (empty when the headcount is 0): what one practitioner leaving takes away"},
  {"supply", "apl_published", T::real, "consultations/year/inhabitant", "APL publiée", "The calibration target at this commune (data.apl)"},
  {"supply", "apl_calibrated", T::real, "consultations/year/inhabitant", "APL calibrée", "The APL of the baseline with the calibrated supply (empty for the raw model)"},
  {"supply", "apl_cross_validated", T::real, "consultations/year/inhabitant", "APL validée croisée", "The APL predicted with its département's published values left out of the fit (empty for the raw model)"},

  // urgences.csv and the communes.gpkg layer urgences (flags.urgences_format = "sae"): the établissements
  // of the territory with an emergency service (in the layer, drawn as their commune)
  {"urgences", "finess", T::text, "", "FINESS", "FINESS géographique of the établissement (SAE FI)"},
  {"urgences", "etablissement", T::text, "", "Établissement", "Its name (SAE RS)"},
  {"urgences", "commune", T::text, "", "Code INSEE", "Its commune (SAE COMINSEE, overseas codes mapped: docs/urgences.md)"},
  {"urgences", "commune_name", T::text, "", "Commune", "The commune's name"},
  {"urgences", "su_general", T::integer, "", "SU générale", "1: authorised general emergency service (AUTSU with AUTGEN)"},
  {"urgences", "su_paediatric", T::integer, "", "SU pédiatrique", "1: authorised paediatric emergency service (AUTPED)"},
  {"urgences", "su_seasonal", T::integer, "", "SU saisonnière", "1: seasonal emergency service (AUTSAIS)"},
  {"urgences", "smur", T::integer, "", "SMUR", "1: a SMUR base or antenna"},
  {"urgences", "smur_antenna", T::integer, "", "Antenne SMUR", "1: a SMUR antenna"},
  {"urgences", "samu", T::integer, "", "SAMU", "1: a SAMU"},
  {"urgences", "visits", T::real, "visits/year", "Passages", "Annual emergency visits (URGENCES2 PASSU summed over the units)"},
  {"urgences", "urgences_24h", T::text, "", "Urgences 24h/24", "oui: an authorised general or paediatric SU that is not seasonal (the AURA 2018 scheme's wording: docs/urgences.md); non otherwise"},
  {"urgences", "zone", T::text, "", "Zone", "The zone of its commune in this run"},

  // communes.gpkg layer msp (flags.msp): the communes with an MSP
  {"msp", "code_insee", T::text, "", "Code INSEE", "Commune with a maison de santé pluriprofessionnelle (flags.msp)"},
  {"msp", "name", T::text, "", "Commune", "Its name"},
  {"msp", "msp", T::real, "", "MSP", "The value of flags.msp_column (1 for the FINESS presence flag)"},

  // diff.csv
  {"diff", "code_insee", T::text, "", "Code INSEE", "Commune whose zone or class changed, or that crossed the urgent-care line (flags.urgences_max_min)"},
  {"diff", "name", T::text, "", "Commune", "Its name"},
  {"diff", "population", T::integer, "inhabitants", "Population", "Legal population"},
  {"diff", "zone_baseline", T::text, "", "Zone (référence)", "Zone in the baseline"},
  {"diff", "zone", T::text, "", "Zone", "Zone in the scenario"},
  {"diff", "class_baseline", T::text, "", "Classe (référence)", "Class in the baseline"},
  {"diff", "class", T::text, "", "Classe", "Class in the scenario"},
  {"diff", "unit_indicator_baseline", T::real, "consultations/year/inhabitant", "Indicateur de l'unité (référence)", "Unit value in the baseline"},
  {"diff", "unit_indicator", T::real, "consultations/year/inhabitant", "Indicateur de l'unité", "Unit value in the scenario"},
  {"diff", "indicator_baseline", T::real, "consultations/year/inhabitant", "Indicateur zoné (référence)", "Commune value in the baseline"},
  {"diff", "indicator", T::real, "consultations/year/inhabitant", "Indicateur zoné", "Commune value in the scenario"},
  {"diff", "time_nearest_urgences_min_baseline", T::real, "minutes", "Temps aux urgences (référence)", "Minutes to urgent care in the baseline (empty when it has none)"},
  {"diff", "time_nearest_urgences_min", T::real, "minutes", "Temps aux urgences", "Minutes to urgent care in the scenario"},
});
// clang-format on

constexpr std::array<std::string_view, 16> kZoneList{"code_insee",
                                                     "name",
                                                     "unit_id",
                                                     "population",
                                                     "apl",
                                                     "indicator",
                                                     "zone",
                                                     "rule",
                                                     "unit_indicator",
                                                     "class",
                                                     "density_100k",
                                                     "time_nearest_gp_min",
                                                     "time_nearest_urgences_min",
                                                     "time_nearest_su_min",
                                                     "x_l93",
                                                     "y_l93"};

}  // namespace

std::string_view column_type_name(ColumnType t) noexcept {
  switch (t) {
    case ColumnType::text: return "text";
    case ColumnType::integer: return "integer";
    case ColumnType::real: return "real";
  }
  return "?";
}

std::span<const ColumnDecl> output_columns() noexcept { return kColumns; }

const ColumnDecl& output_column(std::string_view layer, std::string_view name) {
  for (const auto& c : kColumns)
    if (c.layer == layer && c.name == name) return c;
  throw Error(Errc::internal, fmt::format("output column {}.{} is not declared in the output schema", layer, name));
}

const ColumnDecl* find_output_column(std::string_view layer, std::string_view name) noexcept {
  for (const auto& c : kColumns)
    if (c.layer == layer && c.name == name) return &c;
  // [[indicators]] columns: "{indicators.name}" followed by the pattern's fixed suffix, if any.
  const ColumnDecl* best = nullptr;
  for (const auto& c : kColumns) {
    constexpr std::string_view kPattern = "{indicators.name}";
    if (c.layer != layer || !c.name.starts_with(kPattern)) continue;
    const auto suffix = c.name.substr(kPattern.size());
    if (name.size() > suffix.size() && name.ends_with(suffix) && (!best || suffix.size() > best->name.size() - kPattern.size())) best = &c;
  }
  return best;
}

std::string_view unit_fr(std::string_view unit) noexcept {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 10> kUnits{{
      {"inhabitants", "hab."},
      {"minutes", "min"},
      {"metres", "m"},
      {"practitioners", "professionnels"},
      {"consultations/year/inhabitant", "consultations / an / hab."},
      {"practitioners/100,000 inhabitants", "pour 100 000 hab."},
      {"per 100,000 inhabitants", "pour 100 000 hab."},
      {"consultations/year", "consultations / an"},
      {"consultations/year/practitioner", "consultations / an / professionnel"},
      {"visits/year", "passages / an"},
  }};
  for (const auto& [en, fr] : kUnits)
    if (en == unit) return fr;
  return unit;
}

std::span<const std::string_view> zone_list_columns() noexcept { return kZoneList; }

std::string columns_markdown() {
  std::string out = "| Layer | Column | Type | Unit | Titre | Meaning |\n|---|---|---|---|---|---|\n";
  for (const auto& c : kColumns)
    out += fmt::format("| {} | `{}` | {} | {} | {} | {} |\n", c.layer, c.name, column_type_name(c.type), c.unit, c.title_fr, c.doc);
  return out;
}

}  // namespace oasis::runner
