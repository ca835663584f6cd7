#pragma once
// The parsed form of a rule file (shared by the parser, the evaluator and the table readers).
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "oasis/grants/grants.hpp"

namespace oasis::grants {

/// True for an existing calendar date written YYYY-MM-DD.
bool valid_date(std::string_view text);

/// Where a quantity comes from: an applicant field, a named value (@name), a parameter ($name), a
/// commune column (zone, class, apl... of the zone list in effect at a date, or of the facts), a
/// distance, or a literal.
struct Operand {
  enum class Kind { field, value, param, column, distance, departement, literal_number, literal_text, literal_list, literal_flag };
  Kind kind = Kind::field;
  std::string name;     // field / value / parameter / column name; literal text
  std::string commune;  // column, distance, departement: the field holding the commune
  std::string at;       // column: the field holding the date ("" = the latest list)
  // distance
  std::string to;                       // field with a faculty id or a commune code
  std::vector<std::string> nearest_of;  // faculty ids ("*" = all) when `to` is empty
  std::string metric = "straight_km";   // straight_km | road_min | road_km
  double number = 0;
  std::vector<std::string> list;
  bool flag = false;
  std::string where;
};

struct Test {
  enum class Op { in, not_in, eq, ne, min, max, above, below, between, is, present };
  Operand lhs;
  Op op = Op::present;
  std::vector<Operand> rhs;  // 0 (present), 1 or 2 (between)
  std::string where;
};

struct Condition {
  std::string id, text, where;
  std::optional<Test> when;  // the condition applies only when this holds
  enum class Mode { one, any, all } mode = Mode::one;
  std::vector<Test> tests;
};

struct Term {
  enum class Kind { fixed, per_month, rate, band, field };
  std::string id, where;
  Kind kind = Kind::fixed;
  Operand factor;  // amount, monthly amount, rate, band table
  Operand of;      // months / base / banded quantity / requested amount
  std::optional<Test> when;
  std::optional<Operand> min, max;
};

struct Limit {  // quota or envelope
  std::optional<Operand> value;
  std::string key;               // "quota" / "envelope" (its fact)
  std::string period = "total";  // total | year
  std::string date;              // field giving the period
  bool reduce = false;           // envelope: award what is left instead of refusing
};

struct Target {
  std::string id, label, where;
  std::optional<Test> counts;  // which eligible applications count (all when absent)
  Operand target;
  std::string deadline, date;
  std::string from;                        // applications dated before are in achieved_before ("" = all count)
  std::optional<Operand> achieved_before;  // achieved before the applications counted (0 when absent)
  std::optional<Operand> envelope;
  std::optional<Operand> envelope_used_before;  // envelope used before the applications counted
};

struct Check {  // a published total the scheme must reproduce on a given application file
  std::string id, text, where;
  std::optional<double> awarded_count, total;
  double tolerance = 0;  // on the total
};

struct NamedValue {
  std::string id;
  Operand operand;
};

struct Scheme {
  SchemeInfo info;
  std::string date_field;  // validity window checked on this field ("" = none)
  std::string order = "file";
  std::vector<NamedValue> values;
  std::vector<Condition> conditions;
  std::vector<Term> terms;
  std::optional<Operand> amount_min, amount_max;
  Limit quota, envelope;
  std::vector<Target> targets;
  std::vector<Check> checks;
  std::set<std::string> commune_fields, date_fields, number_fields;
  const Parameter* param(std::string_view name) const;
  /// The provenance of the fact `key` ("parameter.NAME", "condition.ID", ...); nullptr when none.
  const Provenance* provenance(std::string_view key) const;
};

}  // namespace oasis::grants
