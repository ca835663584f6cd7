// The declared scenario schema: every key a scenario file may hold, with its type, default, range
// and meaning. The parser, the resolved scenario and docs/scenarios.md all read this table.
#include <array>

#include <fmt/format.h>

#include "oasis/scenario/scenario.hpp"

namespace oasis::scenario {
namespace {

constexpr double kInf = 1e300;
using K = Kind;

// clang-format off
constexpr std::array kSchema = std::to_array<OptionDecl>({
  {"name", K::string, "", -kInf, kInf, false, "", false, "", "Name of the scenario, written into the outputs (default: the file name without .toml)"},
  {"description", K::string, "\"\"", -kInf, kInf, false, "", false, "", "Free text for the report"},
  {"title", K::string, "\"\"", -kInf, kInf, false, "", false, "", "Place named in the titles of the maps and the report; empty = the names of the régions / départements of the COG (\"France\" for the whole country)"},
  {"extend", K::string, "", -kInf, kInf, false, "", false, "path", "Base scenario whose keys this file overrides (keys are merged one by one; an array of tables is replaced whole)"},

  {"territory", K::table, "", -kInf, kInf, false, "", false, "", "What communes the run covers"},
  {"territory.regions", K::strings, "[]", -kInf, kInf, false, "", false, "", "Région codes of the COG (\"24\" = Centre-Val de Loire); empty with no other selector = all of France"},
  {"territory.departements", K::strings, "[]", -kInf, kInf, false, "", false, "", "Département codes (\"37\", \"2A\", \"974\")"},
  {"territory.communes", K::strings, "[]", -kInf, kInf, false, "", false, "", "INSEE codes of single communes, added to the régions and départements"},
  {"territory.buffer_km", K::number, "0", 0, 300, false, "", false, "km", "The APL (and its calibration) is computed with the communes within this distance of the territory's communes (chef-lieu points) around it, so that communes near the edge keep the supply and demand across it; they are not zoned nor written. 0 = the territory alone (docs/calibration.md)"},
  {"territory.exclude", K::strings, "[]", -kInf, kInf, false, "", false, "", "INSEE codes left out of the run (no demand, no supply, not classified); listed in summary.json"},

  {"data", K::table, "", -kInf, kInf, false, "", false, "", "Where the public data is read"},
  {"data.dir", K::string, "\"\"", -kInf, kInf, false, "", false, "path", "Data directory; empty = --data, else $OASIS_DATA, else ../shared/geodata"},
  {"data.cog", K::string, "\"\"", -kInf, kInf, false, "", false, "path", "The @etalab/decoupage-administratif package folder; empty = --cog, $OASIS_COG_DIR, or the one installed by the set-up"},
  {"data.communes", K::string, "\"\"", -kInf, kInf, false, "", false, "path", "Commune boundaries (file or folder, any OGR format); empty = <data>/communes"},
  {"data.apl", K::string, "\"\"", -kInf, kInf, false, "", false, "path", "DREES APL workbook extract (standardised population, official APL); empty = <data>/apl/drees_apl_mg_2022_communes.csv"},

  {"data.age_bands", K::string, "\"\"", -kInf, kInf, false, "", false, "path", "INSEE population by single year of age (long format CODGEO;AGED100;NB, e.g. BTT_TD_POP1A): the APL demand is then standardised here with access.age_weights instead of read from the DREES file"},

  {"supply", K::table, "", -kInf, kInf, false, "", false, "", "The practitioners counted as supply"},
  {"supply.file", K::string, "\"\"", -kInf, kInf, false, "", false, "path", "Supply file; empty = <data>/practitioners/rpps2026_gp_counts_communes.csv"},
  {"supply.format", K::string, "\"auto\"", -kInf, kInf, false, "auto|counts|rpps|points", false, "", "counts: code + count column; rpps: ANS Annuaire santé extraction; points: CSV lon/lat or any OGR points layer"},
  {"supply.column", K::string, "\"\"", -kInf, kInf, false, "", false, "", "counts: the count column (default nb_generalistes_rpps2026 or generaliste)"},
  {"supply.kind", K::string, "\"generaliste\"", -kInf, kInf, false, "", false, "", "What the supply counts, written into the outputs and the titles (generaliste = médecins généralistes, infirmier, dentiste, kine, sage-femme, pediatre, pharmacie, msp; any other text as written)"},
  {"supply.source", K::string, "\"\"", -kInf, kInf, false, "", false, "", "Source and date of the supply file, for the maps' and report's sources line; empty = \"ANS RPPS / Annuaire santé, mars 2026\" for the default file, else the file's name"},
  {"supply.activity", K::number, "2300.0", 0, 100000, true, "", false, "consultations/year", "APL: consultations per year credited to each counted practitioner (docs/fidelity.md)"},
  {"supply.calibrate", K::string, "\"none\"", -kInf, kInf, false, "none|apl|departement", false, "", "apl: fit the supply of every commune with recorded practitioners so that the APL reproduces the published APL of data.apl; departement: fit one activity factor per département instead (docs/calibration.md); none: the prior (supply.combine) x supply.activity, x supply.factors when given"},
  {"supply.combine", K::string, "\"mean\"", -kInf, kInf, false, "first|mean|min|max", false, "", "The headcount prior of each commune from the supply file and supply.calibrate_sites: first = the supply file's alone; mean, min, max of the two (docs/fidelity.md: the sweep); a second file that is absent counts as the first"},
  {"supply.factors", K::string, "\"\"", -kInf, kInf, false, "", false, "path", "With supply.calibrate = \"none\": a CSV departement,factor multiplying the activity of each département's practitioners (e.g. scenarios/supply/departement-factors-apl2022.csv, fitted on DREES APL 2022); empty = none"},
  {"supply.calibrate_lambda", K::number, "0.01", 0, 1e6, true, "", false, "", "Calibration: weight of the headcount prior, sum (u - h)^2 / (h + 1) against the population-weighted squared APL error (docs/calibration.md: the sweep that chose it)"},
  {"supply.calibrate_sites", K::string, "\"\"", -kInf, kInf, false, "", false, "path", "A second counts file of recorded practitioners (supply.combine; the calibration lets their communes hold supply too); empty = <data>/practitioners/sirene2019_ps_communes.csv (column generaliste) when present and supply.file is the default; \"none\" = the supply file's communes only"},
  {"supply.calibrate_sites_column", K::string, "\"generaliste\"", -kInf, kInf, false, "", false, "", "The count column of supply.calibrate_sites"},
  {"supply.calibrate_cv", K::boolean, "true", -kInf, kInf, false, "", false, "", "Calibration: also fit once per département without its published values and predict them (the cross-validated figures of summary.json)"},
  {"supply.age_column", K::string, "\"\"", -kInf, kInf, false, "", false, "", "points: column with the practitioner's age in years (enables retire.age_min and the under-65 APL)"},
  {"supply.x_column", K::string, "\"\"", -kInf, kInf, false, "", false, "", "points (CSV): longitude / x column (default lon, longitude, x)"},
  {"supply.y_column", K::string, "\"\"", -kInf, kInf, false, "", false, "", "points (CSV): latitude / y column (default lat, latitude, y)"},
  {"supply.id_column", K::string, "\"\"", -kInf, kInf, false, "", false, "", "points: identifier column (RPPS number, FINESS)"},
  {"supply.amount_column", K::string, "\"\"", -kInf, kInf, false, "", false, "", "points: amount column (ETP); default 1 per point"},
  {"supply.epsg", K::integer, "4326", 1024, 999999, false, "", false, "", "points (CSV): EPSG code of the coordinates"},

  {"travel", K::table, "", -kInf, kInf, false, "", false, "", "The travel model (docs/travel.md)"},
  {"travel.model", K::string, "\"commune-graph\"", -kInf, kInf, false, "crowfly|commune-graph|osm|table", false, "", "How travel times are made"},
  {"travel.cutoff_min", K::number, "30.0", 0, 600, true, "", false, "minutes", "Longest trip kept in the OD table (raised to what the flags need)"},
  {"travel.intra_min", K::number, "0.0", 0, 120, false, "", false, "minutes", "Time from a commune to itself (DREES convention: 0)"},
  {"travel.detour", K::number, "0.0", 0, 5, false, "", false, "", "Road / straight-line ratio; 0 = the model's default (crowfly 1.3, commune-graph 1.2)"},
  {"travel.speed_kmh", K::number, "60.0", 0, 200, true, "", false, "km/h", "Speed outside dense communes"},
  {"travel.urban_speed_kmh", K::number, "30.0", 0, 200, true, "", false, "km/h", "commune-graph: speed where either commune is denser than urban_density"},
  {"travel.urban_density", K::number, "1500.0", 0, 1e6, false, "", false, "inhabitants/km²", "commune-graph: density above which the urban speed applies"},
  {"travel.osm", K::string, "\"\"", -kInf, kInf, false, "", false, "path", "model = osm: the .osm.pbf extract"},
  {"travel.table", K::string, "\"\"", -kInf, kInf, false, "", false, "path", "model = table: a long-format OD CSV (from_id,to_id,cost) or .odb"},
  {"travel.threads", K::integer, "0", 0, 1024, false, "", false, "", "Worker threads; 0 = all cores (results do not depend on it)"},

  {"access", K::table, "", -kInf, kInf, false, "", false, "", "The accessibility indicator (docs/access.md)"},
  {"access.method", K::string, "\"apl\"", -kInf, kInf, false, "apl|fca-ratio|2sfca|e2sfca|g2sfca|bfca|3sfca|gravity|cumulative|cost-to-closest|spatial-availability", false, "", "Method; apl = the DREES preset"},
  {"access.decay", K::string, "\"\"", -kInf, kInf, false, "", false, "", "Decay spec (docs/access.md); empty = the method's default (APL: step:10:1,15:0.666667,20:0.333333)"},
  {"access.max_cost", K::number, "0.0", 0, 600, false, "", false, "minutes", "Pairs slower than this are dropped; 0 = no limit but the travel cutoff"},
  {"access.n", K::integer, "1", 1, 1000, false, "", false, "", "cost-to-closest: the supply to reach, nearest sites first (ipeaGIT/accessibility's n); 1 = the nearest site with supply, and with a supply of 1 per site it is the rank of the site"},
  {"access.sa_alpha", K::number, "1.0", 0, 100, false, "", false, "", "spatial-availability: exponent of the population in the demand balancing factor (ipeaGIT/accessibility's alpha; 1 = Soukhov et al. 2023)"},
  {"access.sa_output", K::string, "\"total\"", -kInf, kInf, false, "total|per-capita", false, "", "spatial-availability: total = the supply allocated to each unit (Soukhov et al. 2023, ipeaGIT/accessibility); per-capita = that divided by the unit's demand"},
  {"access.age_weights", K::integer, "2022", 2022, 2023, false, "", false, "", "DREES age weights (millésime 2022 or 2023) used with data.age_bands"},
  {"access.line", K::number, "2.5", 0, 1e9, false, "", false, "", "Line for the share of population below it in the summaries"},

  {"zoning", K::table, "", -kInf, kInf, false, "", false, "", "Zoning rules (docs/zoning.md)"},
  {"zoning.indicator", K::string, "\"apl\"", -kInf, kInf, false, "apl|apl_u65|apl_official|apl_official_u65", false, "", "Commune indicator zoned: the computed APL (under-65 variant when the supply has ages) or DREES's published one"},
  {"zoning.units", K::string, "\"epci\"", -kInf, kInf, false, "epci|commune|departement|file", false, "", "Zoning units: EPCI of the COG, the commune itself, the département, or a table (TVS)"},
  {"zoning.units_file", K::string, "\"\"", -kInf, kInf, false, "", false, "path", "units = file: CSV code_insee,unit_id[,unit_name] (e.g. the ministry's TVS table)"},
  {"zoning.zip_below", K::number, "2.5", 0, 1e6, false, "", false, "consultations/year/inhabitant", "Units with an APL below this are ZIP (mandatory)"},
  {"zoning.vivier_below", K::number, "4.0", 0, 1e6, false, "", false, "consultations/year/inhabitant", "Upper bound of the vivier, from which the ARS picks more ZIP and ZAC (4 is unconfirmed)"},
  {"zoning.fill", K::string, "\"in-order\"", -kInf, kInf, false, "in-order|skip", false, "", "ARS pick: stop at the first vivier unit that does not fit under the cap (in-order) or go on with smaller ones (skip)"},
  {"zoning.official", K::string, "\"\"", -kInf, kInf, false, "", false, "path", "Official zoning list (CSV code,zone; code = commune or unit) that overrides the simulation"},
  {"zoning.official_missing", K::string, "\"outside\"", -kInf, kInf, false, "outside|simulated", false, "", "Communes absent from the official list: hors-zonage, or keep the simulated class"},
  {"zoning.caps", K::map, "", -kInf, kInf, false, "", false, "", "Population-share caps per région code (or \"default\") for the ARS pick: { zip = 0.3, zac = 0.4 }"},
  {"zoning.caps.*", K::table, "", -kInf, kInf, false, "", false, "", "Caps of one région"},
  {"zoning.caps.*.zip", K::number, "0.0", 0, 1, false, "", false, "share", "Maximum share of the région's population in ZIP (mandatory ZIP included)"},
  {"zoning.caps.*.zac", K::number, "0.0", 0, 1, false, "", false, "share", "Maximum share of the région's population in ZAC"},

  {"flags", K::table, "", -kInf, kInf, false, "", false, "", "Other fragility flags (docs/zoning.md)"},
  {"flags.urgences", K::string, "\"\"", -kInf, kInf, false, "", false, "path", "Urgent-care sites: the DREES SAE folder (flags.urgences_format = \"sae\", e.g. \"data:urgences\"), or a counts or points file of SU, SMUR, MCS; adds time_nearest_urgences_min (and time_nearest_su_min from the SAE) and the flag (docs/urgences.md)"},
  {"flags.urgences_format", K::string, "\"auto\"", -kInf, kInf, false, "auto|counts|points|sae", false, "", "Format of flags.urgences: sae = the four SAE tables of flags.urgences_year (urgent care = a general SU or a SMUR / antenna)"},
  {"flags.msp", K::string, "\"\"", -kInf, kInf, false, "", false, "path", "Maisons de santé: a counts file of the communes with an MSP (e.g. \"data:practitioners/msp_finess2026_communes.csv\", FINESS category 603); adds time_nearest_msp_min for every commune and the msp column (docs/urgences.md)"},
  {"flags.msp_column", K::string, "\"msp_presente\"", -kInf, kInf, false, "", false, "", "The count (or 1/0) column of flags.msp"},
  {"flags.urgences_closed", K::strings, "[]", -kInf, kInf, false, "", false, "", "sae: FINESS numbers of établissements whose emergency services (SU, SMUR) close in the scenario; each must be in the SAE year read (scenarios/examples/urgences-closure.toml)"},
  {"flags.urgences_year", K::integer, "2023", 2000, 2100, false, "", false, "", "sae: the SAE year read (files ID_<year>r.csv, URGENCES_<year>r.csv, URGENCES2_<year>r.csv, SMURSAMU_<year>r.csv)"},
  {"flags.urgences_column", K::string, "\"\"", -kInf, kInf, false, "", false, "", "counts: the column counting urgent-care sites"},
  {"flags.urgences_max_min", K::number, "30.0", 0, 600, true, "", false, "minutes", "Flag communes farther than this from urgent care"},
  {"flags.density_below", K::number, "0.0", 0, 1e6, false, "", false, "GP/100,000 inhabitants", "Flag communes whose GP density is below this; 0 = off"},
  {"flags.deficit_2003", K::boolean, "false", -kInf, kInf, false, "", false, "", "Evaluate the décret 2003-1140 \"zone déficitaire\" rule per unit (yes / no / undetermined)"},

  {"modify", K::table, "", -kInf, kInf, false, "", false, "", "Changes applied to the inputs before computing"},
  {"modify.retire", K::table_array, "", -kInf, kInf, false, "", false, "", "[[modify.retire]]: remove practitioners (one selector: age_min, ids or share)"},
  {"modify.retire.label", K::string, "\"\"", -kInf, kInf, false, "", false, "", "Name of the change in the summary"},
  {"modify.retire.age_min", K::number, "", 0, 120, false, "", false, "years", "Retire all practitioners aged at least this (needs supply.age_column)"},
  {"modify.retire.ids", K::strings, "", -kInf, kInf, false, "", false, "", "Retire these practitioner ids (counts format: these commune codes)"},
  {"modify.retire.share", K::number, "", 0, 1, false, "", false, "share", "Retire this share of the supply units at random"},
  {"modify.retire.seed", K::integer, "1", 0, 9.2e18, false, "", false, "", "Seed of the random draw (same seed, same draw)"},
  {"modify.retire.communes", K::strings, "[]", -kInf, kInf, false, "", false, "", "Restrict the change to these communes (empty = all)"},
  {"modify.add", K::table_array, "", -kInf, kInf, false, "", false, "", "[[modify.add]]: add supply at a commune (a new MSP, salaried doctors)"},
  {"modify.add.commune", K::string, "", -kInf, kInf, false, "", true, "", "INSEE code of the commune"},
  {"modify.add.amount", K::number, "", 0, 10000, true, "", true, "practitioners (ETP)", "Supply added, in the supply's unit (GP headcount / ETP)"},
  {"modify.add.label", K::string, "\"\"", -kInf, kInf, false, "", false, "", "Name of the change (\"MSP Tours Nord\")"},
  {"modify.add.kind", K::string, "\"msp\"", -kInf, kInf, false, "", false, "", "What is added (msp, centre-de-sante, salaried-gp...)"},

  {"indicators", K::table_array, "", -kInf, kInf, false, "", false, "", "[[indicators]]: more accessibility indicators in the same run, one per supply type (nurses, MSP capacity...): columns of the GeoPackage and figures of the summary; the zoning uses [access] only"},
  {"indicators.name", K::string, "", -kInf, kInf, false, "", true, "", "Column name (lower case letters, digits, _), e.g. \"infirmiers_2sfca\""},
  {"indicators.file", K::string, "\"\"", -kInf, kInf, false, "", false, "path", "Supply file; empty = supply.file (or its default)"},
  {"indicators.format", K::string, "\"auto\"", -kInf, kInf, false, "auto|counts|rpps|points", false, "", "Format of the supply file"},
  {"indicators.column", K::string, "\"\"", -kInf, kInf, false, "", false, "", "counts: the count column (e.g. infirmiers in the SIRENE file)"},
  {"indicators.method", K::string, "\"2sfca\"", -kInf, kInf, false, "apl|fca-ratio|2sfca|e2sfca|g2sfca|bfca|3sfca|gravity|cumulative|cost-to-closest|spatial-availability", false, "", "Method"},
  {"indicators.decay", K::string, "\"\"", -kInf, kInf, false, "", false, "", "Decay spec; empty = the method's default"},
  {"indicators.max_cost", K::number, "0.0", 0, 600, false, "", false, "minutes", "Pairs slower than this are dropped; 0 = the travel cutoff"},
  {"indicators.sa_alpha", K::number, "1.0", 0, 100, false, "", false, "", "spatial-availability: exponent of the population (as access.sa_alpha)"},
  {"indicators.sa_output", K::string, "\"total\"", -kInf, kInf, false, "total|per-capita", false, "", "spatial-availability: total or per-capita (as access.sa_output)"},
  {"indicators.activity", K::number, "1.0", 0, 1e6, true, "", false, "", "Multiplier of the supply amounts (e.g. consultations per practitioner)"},
  {"indicators.demand", K::string, "\"population\"", -kInf, kInf, false, "population|population_std", false, "", "Demand: legal population, or the standardised one"},

  {"siting", K::table, "", -kInf, kInf, false, "", false, "", "Where to open k sites (MSP) to help most (docs/siting.md): computed on top of the scenario's accessibility and zoning"},
  {"siting.sites", K::integer, "0", 0, 10000, false, "", false, "", "Openings to place; 0 = no siting"},
  {"siting.objective", K::string, "\"lift\"", -kInf, kInf, false, "lift|max-min|bottom-decile", false, "", "lift: population of the zones raised from below zoning.zip_below to above it; max-min: the lowest zone value; bottom-decile: mean value of the 10 % of the population worst off"},
  {"siting.supply_per_site", K::number, "4.0", 0, 1000, true, "", false, "practitioners (ETP)", "Supply each opening adds (counted like supply.amount x supply.activity in the APL)"},
  {"siting.level", K::string, "\"unit\"", -kInf, kInf, false, "unit|commune", false, "", "Zones whose values count: the zoning units or the communes"},
  {"siting.candidates", K::strings, "[]", -kInf, kInf, false, "", false, "", "INSEE codes where a site may open; empty = every commune of the territory"},
  {"siting.msp", K::string, "\"exclude\"", -kInf, kInf, false, "exclude|allow", false, "", "With flags.msp: exclude = a commune that already has an MSP is not proposed again (its MSP's practitioners are in the supply already); allow = it may be"},
  {"siting.repeat", K::boolean, "false", -kInf, kInf, false, "", false, "", "A commune may receive several openings (placing n salaried doctors)"},
  {"siting.max_per_commune", K::integer, "0", 0, 10000, false, "", false, "openings", "With repeat = true: openings one commune may receive; 0 = no cap (without repeat: 1)"},
  {"siting.min_population", K::number, "1000", 0, 1e7, false, "", false, "inhabitants", "Default candidates: the communes of at least this legal population (93 % of the 2,358 communes with an MSP in FINESS 2026 have 1,000 or more: docs/siting.md); 0 = every commune. Communes listed in siting.candidates or siting.candidates_file are kept whatever their population"},
  {"siting.candidates_file", K::string, "\"\"", -kInf, kInf, false, "", false, "path", "CSV with a code_insee column: the candidates (with siting.candidates); empty = the default candidates"},
  {"siting.exclude", K::strings, "[]", -kInf, kInf, false, "", false, "", "INSEE codes never proposed (after every other rule)"},
  {"siting.min_distance_km", K::number, "0.0", 0, 500, false, "", false, "km", "Smallest straight-line distance between two communes receiving openings (Lambert-93, between the communes' points); 0 = none"},
  {"siting.time_limit", K::number, "30.0", 0, 3600, false, "", false, "seconds", "Time for the exact model (COIN-OR CBC) that proves the bound and may improve the answer; 0 = heuristic and combinatorial bound only"},
  {"siting.seed", K::integer, "1", 0, 9.2e18, false, "", false, "", "Seed (same seed, same answer)"},

  {"grants", K::table_array, "", -kInf, kInf, false, "", false, "", "[[grants]]: a grant scheme applied to the run's zone list (and the baseline's): awards-<scheme id>.csv and the budget under \"grants\" in summary.json (docs/grants.md)"},
  {"grants.scheme", K::string, "", -kInf, kInf, false, "", true, "path", "Rule file (scenarios/grants/*.toml)"},
  {"grants.applications", K::string, "\"\"", -kInf, kInf, false, "", false, "path", "Applications CSV (one row per application); may be empty with from_sites"},
  {"grants.from_sites", K::boolean, "false", -kInf, kInf, false, "", false, "", "Each opening chosen by [siting] is one more application (e.g. a salaried doctor post), at its commune"},
  {"grants.site_commune", K::string, "\"commune\"", -kInf, kInf, false, "", false, "", "from_sites: the application column that receives the opening's commune"},
  {"grants.site_fields", K::strings, "[]", -kInf, kInf, false, "", false, "", "from_sites: the other columns of those applications, \"NAME=VALUE\" (e.g. \"type=poste_salarie\", \"date=2026-01-01\")"},
  {"grants.facts", K::string, "\"\"", -kInf, kInf, false, "", false, "path", "Commune facts CSV (code_insee + columns the rules read)"},
  {"grants.parameters", K::strings, "[]", -kInf, kInf, false, "", false, "", "Parameter overrides \"NAME=VALUE\" (TOML value), e.g. \"aid_rate=0.4\""},

  {"outputs", K::table, "", -kInf, kInf, false, "", false, "", "What the run writes (docs/outputs.md)"},
  {"outputs.gpkg", K::boolean, "true", -kInf, kInf, false, "", false, "", "Write communes.gpkg (layers communes and units, Lambert-93) with its QGIS styles, and the .qml files beside it"},
  {"outputs.maps", K::boolean, "true", -kInf, kInf, false, "", false, "", "Draw maps/zones and maps/apl (PNG 150 dpi and SVG, A4 landscape; docs/maps.md)"},
  {"outputs.report", K::boolean, "true", -kInf, kInf, false, "", false, "", "Write report.html: one self-contained page to share (figures, maps, interactive map, table; docs/report.md)"},
  {"outputs.csv_fr", K::boolean, "false", -kInf, kInf, false, "", false, "", "zones.csv with ';', decimal commas and a BOM (French spreadsheets); --csv-fr does the same"},
  {"outputs.baseline", K::string, "\"\"", -kInf, kInf, false, "", false, "path", "Compare with a baseline: a scenario file (run first) or a previous output folder; writes diff.csv"},
});
// clang-format on

std::string_view kind_name(Kind k) {
  switch (k) {
    case Kind::table: return "table";
    case Kind::string: return "text";
    case Kind::number: return "number";
    case Kind::integer: return "integer";
    case Kind::boolean: return "true/false";
    case Kind::strings: return "list of text";
    case Kind::table_array: return "array of tables";
    case Kind::map: return "table of tables";
  }
  return "?";
}

}  // namespace

std::span<const OptionDecl> schema() noexcept { return kSchema; }

std::string schema_markdown() { return schema_markdown(kSchema); }

std::string schema_markdown(std::span<const OptionDecl> decls) {
  std::string out = "| Key | Type | Default | Range / choices | Unit | Meaning |\n|---|---|---|---|---|---|\n";
  for (const auto& d : decls) {
    std::string range;
    if (!d.choices.empty()) {
      range = fmt::format("`{}`", d.choices);
      for (std::size_t p; (p = range.find('|')) != std::string::npos;) range.replace(p, 1, "`, `");
    } else if (d.kind == Kind::number || d.kind == Kind::integer) {
      if (d.min > -1e299 && d.max < 1e299) range = fmt::format("{} {} … ≤ {}", d.min_open ? ">" : "≥", d.min, d.max);
    }
    std::string def = d.default_toml.empty() ? (d.required ? "required" : "—") : fmt::format("`{}`", d.default_toml);
    const bool section = d.kind == Kind::table || d.kind == Kind::map || d.kind == Kind::table_array;
    out += fmt::format("| {} | {} | {} | {} | {} | {} |\n", section ? fmt::format("**`{}`**", d.path) : fmt::format("`{}`", d.path),
                       kind_name(d.kind), section ? "" : def, range, d.unit == "path" ? "path" : d.unit, d.doc);
  }
  return out;
}

}  // namespace oasis::scenario
