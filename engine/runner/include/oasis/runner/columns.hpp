#pragma once
// The output schema: every column a run writes (zones.csv, the GeoPackage layers, diff.csv,
// sites.csv) declared once, with its type, unit, description and French title. The writers take
// names from here (a name not declared is a bug, caught by the tests), docs/outputs.md lists them
// (`oasis scenario --columns`), and Python takes the zone-list columns from it
// (`oasis.ZONE_COLUMNS`).
#include <span>
#include <string>
#include <string_view>

namespace oasis::runner {

enum class ColumnType { text, integer, real };
std::string_view column_type_name(ColumnType t) noexcept;  // "text", "integer", "real"

struct ColumnDecl {
  std::string_view layer;  // "communes" (zones.csv and the communes layer), "units", "sites", "diff"
  std::string_view name;   // English, lower case: one name per quantity
  ColumnType type;
  std::string_view unit;      // "inhabitants", "minutes", ...; "" = none
  std::string_view title_fr;  // the French title (alias in GIS software, report headings)
  std::string_view doc;       // what it holds
};

/// Every declared column, layer by layer, in the order the files hold them.
std::span<const ColumnDecl> output_columns() noexcept;
/// The declaration of `name` in `layer`; throws Error(internal) when it is not declared.
const ColumnDecl& output_column(std::string_view layer, std::string_view name);
/// The declaration of a column a run wrote under `name` in `layer`, the [[indicators]] columns
/// matched to their pattern ("{indicators.name}..."); nullptr when none matches.
const ColumnDecl* find_output_column(std::string_view layer, std::string_view name) noexcept;
/// A unit of the schema as French legends write it ("minutes" -> "min", "inhabitants" -> "hab.");
/// "" for none, any other unit as written.
std::string_view unit_fr(std::string_view unit) noexcept;
/// The columns of zones.csv, in file order (also what the grant calculators read from a run).
std::span<const std::string_view> zone_list_columns() noexcept;
/// The schema as a Markdown table (docs/outputs.md).
std::string columns_markdown();

}  // namespace oasis::runner
