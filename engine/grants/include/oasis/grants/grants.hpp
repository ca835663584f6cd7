#pragma once
// Grant calculators (docs/grants.md): a regional scheme is a versioned TOML rule file (source,
// validity, parameters with a confidence each, conditions, amount terms, quota, envelope,
// programme targets). Applications (one CSV row each) are judged against the zone lists in effect
// at their date; every decision records the clauses that fired, and an amount that depends on an
// unpublished parameter is reported as not computable, never guessed.
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace oasis::grants {

/// Three-valued answer: a condition without the data it needs is unknown, not false.
enum class Tri : std::uint8_t { no, yes, unknown };
std::string_view tri_name(Tri t) noexcept;  // "no", "yes", "unknown"

/// A table of communes keyed by INSEE code: every column of a zones.csv (zone, class, apl,
/// unit_apl, density_100k, time_nearest_*_min, x_l93, y_l93...) or of a facts file.
class CommuneTable {
 public:
  /// Reads any delimited file with a code_insee column (either CSV flavour of `oasis run`).
  static CommuneTable read(const std::filesystem::path& file);
  /// Builds a table in memory (tests, `oasis run`): `columns` names, then one row of texts per code.
  static CommuneTable from_rows(std::string source, std::vector<std::string> columns,
                                std::vector<std::pair<std::string, std::vector<std::string>>> rows);
  /// A typed column: texts, or numbers (NaN = empty cell), one per code.
  struct Column {
    std::string name;
    std::vector<std::string> text;
    std::vector<double> number;
    bool numeric = false;
  };
  /// Builds a table from typed columns (`oasis run`'s zone list: no text round trip); `codes` are
  /// INSEE codes, one per row, and every column has one value per code.
  static CommuneTable from_columns(std::string source, const std::vector<std::string>& codes, std::vector<Column> columns);

  const std::string& source() const noexcept { return source_; }
  std::size_t size() const noexcept { return index_.size(); }
  bool has_column(std::string_view name) const;
  /// Each row's code and its text in `column` (empty when the column is absent or numeric).
  std::vector<std::pair<std::string, std::string>> texts(std::string_view column) const;
  /// Text of `column` for `code`; nullopt when the commune or the column is absent or the cell empty.
  std::optional<std::string> text(std::string_view code, std::string_view column) const;
  std::optional<double> number(std::string_view code, std::string_view column) const;

 private:
  /// The column `column` and the row of `code`; nullptr when either is absent.
  const Column* find(std::string_view code, std::string_view column, std::size_t& row) const;

  std::string source_;
  bool decimal_comma_ = false;
  std::map<std::string, std::size_t, std::less<>> index_;    // code -> row
  std::map<std::string, std::size_t, std::less<>> columns_;  // lower-case name -> column
  std::vector<Column> data_;                                 // column-major
};

/// Zone lists by date: each list is in effect from its date until the next one (an undated list
/// is in effect at every date).
struct ZoneHistory {
  struct Entry {
    std::string effective_from;  // ISO date, "" = always
    CommuneTable table;
  };
  std::vector<Entry> lists;  // sorted by date
  CommuneTable facts;        // undated commune facts (urgences_24h...), may be empty

  void add(std::string effective_from, CommuneTable table);
  /// The list in effect at `date` ("" = the latest); nullptr when none is.
  const CommuneTable* at(std::string_view date) const;
};

/// A faculté de médecine (UFR) of the reference file.
struct Faculty {
  std::string id, name, university, commune, commune_name;
  double x = 0, y = 0;  // Lambert-93 metres (the commune's point)
};
std::vector<Faculty> read_faculties(const std::filesystem::path& file);

/// Travel costs between communes from long-format tables (from_id,to_id,cost): minutes and / or km.
struct RoadTables {
  std::map<std::pair<std::string, std::string>, double> minutes, km;
  static std::map<std::pair<std::string, std::string>, double> read(const std::filesystem::path& file, std::string_view cost_hint);
};

/// Where a fact of a rule file comes from (docs/grants.md, "Quotes"): `quote` holds the exact words
/// of `source` (a file, resolved against the rule file's folder, or a dated URL); `confidence` is
/// confirmed (the quote states the value), derived (read into the quote: `reading` says how),
/// unconfirmed (`origin` says where it came from), unknown (unpublished parameter) or override
/// (`--param`).
struct Provenance {
  std::string confidence, quote, source, reading, origin, note;
  /// True for the facts an award may not rest on silently: unconfirmed, unknown, override.
  bool unconfirmed() const noexcept { return confidence == "unconfirmed" || confidence == "unknown" || confidence == "override"; }
};

/// A fact of a scheme other than a parameter: the validity window, a named value, a condition, an
/// amount term, the quota, the envelope, a programme target, a published-total check, or an open
/// point (a strand of the source the rules do not compute). `key`: "condition.zone", "amount.monthly",
/// "value.distance_km", "validity", "quota", "envelope", "target.msp", "check.published-2018",
/// "open.training"; parameters are "parameter.NAME".
struct Fact {
  std::string key, text;
  Provenance prov;
  std::string where;  // rule file, line
};

/// A source file named by the facts: found or not, its checksum, how many quotes were verified in it.
struct SourceFile {
  std::string written;         // as in the rule file
  std::filesystem::path path;  // resolved against the rule file's folder
  bool found = false;
  std::string sha256;
  std::size_t quotes = 0;  // quotes found in the file (a quote not found stops the load)
};

/// A quote compared with its source: whitespace runs (no-break and thin spaces included) become one
/// space, typographic apostrophes and double quotes become ' and ".
std::string normalise_quote(std::string_view text);

/// A parameter of a scheme: its value (nullopt = unpublished), unit and provenance.
struct Parameter {
  enum class Type : std::uint8_t { number, text, list, flag, date, bands };
  std::string name;
  Type type = Type::number;
  std::optional<double> number;
  std::optional<std::string> text;  // text, date
  std::optional<std::vector<std::string>> list;
  std::optional<bool> flag;
  std::optional<std::vector<std::pair<double, double>>> bands;  // (lower bound inclusive, amount), increasing
  std::string unit;
  Provenance prov;
  std::string where;  // rule file, line
  bool overridden = false;
  bool known() const noexcept { return number || text || list || flag || bands; }
};

struct Scheme;  // parsed rule file (opaque: see grants.cpp)

/// Loads a rule file; throws Error(grant_rule) naming the file, line and key.
std::shared_ptr<const Scheme> load_scheme(const std::filesystem::path& file);
std::shared_ptr<const Scheme> parse_scheme(std::string_view text, const std::string& origin, const std::filesystem::path& base_dir = {});
/// Overrides parameter values: NAME = TOML value (e.g. "distance_bands=[[0,600],[50,1200]]").
std::shared_ptr<const Scheme> with_parameters(const std::shared_ptr<const Scheme>& scheme,
                                              const std::vector<std::pair<std::string, std::string>>& values);

struct SchemeInfo {
  int format = 2;  // rule-language version (1: no quotes, every fact read as unconfirmed)
  std::string id, name, region, version, kind, valid_from, valid_to, currency;
  std::string source_title, source_date, source_url, source_file;
  std::filesystem::path file, faculties_file;
  std::vector<Parameter> parameters;  // declaration order
  std::vector<Fact> facts;            // the other facts, in file order
  std::vector<Fact> open_points;      // strands of the source without a rule
  std::vector<SourceFile> sources;    // source files named by the facts
  std::vector<std::string> fields;    // applicant columns the rules read
};
const SchemeInfo& info(const Scheme& scheme);
/// Every fact: the parameters ("parameter.NAME") first, then the others, in file order.
std::vector<Fact> all_facts(const SchemeInfo& info);

/// One application (a CSV row): its id, line, and fields by lower-case column name.
struct Application {
  std::string id;
  std::string where;  // "apps.csv, line 4"
  std::map<std::string, std::string, std::less<>> fields;
};
/// Reads applications; checks the columns the scheme reads exist and that commune fields hold
/// well-formed INSEE codes.
std::vector<Application> read_applications(const std::filesystem::path& file, const Scheme& scheme);
/// Builds an application from column values (e.g. an opening chosen by the siting step), checked
/// like a CSV row: commune codes, dates, numbers. `source` names it in messages.
Application make_application(const Scheme& scheme, std::string id, const std::map<std::string, std::string>& fields,
                             const std::string& source);

struct Decision {
  std::string id;
  Tri eligible = Tri::unknown;
  std::optional<double> amount;   // computed amount when eligible (nullopt: not computable / not eligible)
  std::optional<double> awarded;  // after quota and envelope (0 when refused by them)
  std::string status;  // awarded | ineligible | quota-exhausted | envelope-exhausted | eligibility-unknown | not-computable | no-amount
  std::vector<std::string> clauses;      // "zone=yes", "amount.band[50,100)=1200", "quota 2018: 3/150"
  std::vector<std::string> reasons;      // human sentences for no / unknown / not computable
  std::vector<std::string> facts;        // keys of the facts the decision used, in file order
  std::vector<std::string> unconfirmed;  // those of them that are unconfirmed, unknown or overridden
};

struct Result {
  std::vector<Decision> decisions;  // input order
  nlohmann::ordered_json summary;   // totals, quota and envelope use per period, targets, unknown parameters
};

struct EvalContext {
  const ZoneHistory* zones = nullptr;
  const std::vector<Faculty>* faculties = nullptr;  // nullptr = the scheme's file (loaded by evaluate)
  const RoadTables* roads = nullptr;
};

/// Judges applications in order (quota and envelope are consumed in that order, or by date when
/// the scheme says `order = "date"`). Deterministic.
Result evaluate(const Scheme& scheme, const std::vector<Application>& applications, const EvalContext& context);

/// awards.csv: id, eligible, amount, awarded, status, clauses, reasons, unconfirmed (the unconfirmed
/// facts the decision used) (',' or ';' + decimal comma).
std::string awards_csv(const Result& result, bool french);

}  // namespace oasis::grants
