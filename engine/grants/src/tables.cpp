// The inputs of the grant calculators besides the rule file: commune tables (zone lists, facts),
// the faculties of medicine, road-time / road-distance tables, application files.
#include <algorithm>
#include <cctype>
#include <cmath>

#include <fmt/format.h>

#include "grants_impl.hpp"
#include "oasis/core/code_insee.hpp"
#include "oasis/core/error.hpp"
#include "oasis/io/csv.hpp"

namespace oasis::grants {
namespace {

std::string lower(std::string_view s) {
  std::string out(io::trim(s));
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::string_view tri_name(Tri t) noexcept {
  switch (t) {
    case Tri::no: return "no";
    case Tri::yes: return "yes";
    case Tri::unknown: return "unknown";
  }
  return "unknown";
}

CommuneTable CommuneTable::read(const std::filesystem::path& file) {
  const io::CsvFile csv(file);
  const auto c_code = csv.require({"code_insee", "code_commune", "codgeo", "insee_com", "com"}, "the commune code");
  std::vector<std::string> columns(csv.header().begin(), csv.header().end());
  std::vector<std::pair<std::string, std::vector<std::string>>> rows;
  std::map<std::string, std::string> seen;
  csv.for_each([&](const io::CsvRecord& r) {
    const auto code = CodeInsee::from(r.fields[c_code], file.string(), csv.where(r)).to_string();
    if (const auto [it, fresh] = seen.emplace(code, csv.where(r)); !fresh)
      throw Error(Errc::code_duplicate, fmt::format("commune {} appears twice (first at {})", code, it->second), file.string(),
                  csv.where(r), "one row per commune");
    std::vector<std::string> cells;
    cells.reserve(columns.size());
    for (std::size_t i = 0; i < columns.size(); ++i) cells.emplace_back(i < r.fields.size() ? io::trim(r.fields[i]) : std::string_view{});
    cells[c_code] = code;
    rows.emplace_back(code, std::move(cells));
  });
  auto t = from_rows(file.string(), std::move(columns), std::move(rows));
  t.decimal_comma_ = csv.decimal_comma();
  return t;
}

// The rows are taken by value and their cells moved out (through a structured binding, which
// clang-tidy does not follow).
CommuneTable CommuneTable::from_rows(
    std::string source, std::vector<std::string> columns,
    std::vector<std::pair<std::string, std::vector<std::string>>> rows) {  // NOLINT(performance-unnecessary-value-param)
  CommuneTable t;
  t.source_ = std::move(source);
  t.data_.resize(columns.size());
  for (std::size_t i = 0; i < columns.size(); ++i) {
    t.columns_.emplace(lower(columns[i]), i);
    t.data_[i].name = columns[i];
    t.data_[i].text.reserve(rows.size());
  }
  std::size_t row = 0;
  for (auto& [code, cells] : rows) {
    cells.resize(columns.size());
    t.index_.emplace(std::move(code), row++);
    for (std::size_t i = 0; i < columns.size(); ++i) t.data_[i].text.push_back(std::move(cells[i]));
  }
  return t;
}

CommuneTable CommuneTable::from_columns(std::string source, const std::vector<std::string>& codes, std::vector<Column> columns) {
  CommuneTable t;
  t.source_ = std::move(source);
  for (std::size_t i = 0; i < columns.size(); ++i) {
    const auto size = columns[i].numeric ? columns[i].number.size() : columns[i].text.size();
    if (size != codes.size())
      throw Error(Errc::internal, fmt::format("zone list column {} has {} values for {} communes", columns[i].name, size, codes.size()),
                  t.source_);
    t.columns_.emplace(lower(columns[i].name), i);
  }
  for (std::size_t r = 0; r < codes.size(); ++r) t.index_.emplace(codes[r], r);
  t.data_ = std::move(columns);
  return t;
}

bool CommuneTable::has_column(std::string_view name) const { return columns_.count(lower(name)) > 0; }

std::vector<std::pair<std::string, std::string>> CommuneTable::texts(std::string_view column) const {
  std::vector<std::pair<std::string, std::string>> out;
  const auto c = columns_.find(lower(column));
  if (c == columns_.end() || data_[c->second].numeric) return out;
  for (const auto& [code, row] : index_) out.emplace_back(code, data_[c->second].text[row]);
  std::sort(out.begin(), out.end());
  return out;
}

const CommuneTable::Column* CommuneTable::find(std::string_view code, std::string_view column, std::size_t& row) const {
  const auto r = index_.find(code);
  const auto c = columns_.find(lower(column));
  if (r == index_.end() || c == columns_.end()) return nullptr;
  row = r->second;
  return &data_[c->second];
}

std::optional<std::string> CommuneTable::text(std::string_view code, std::string_view column) const {
  std::size_t row = 0;
  const auto* col = find(code, column, row);
  if (!col) return std::nullopt;
  if (col->numeric) {
    const double v = col->number[row];
    if (!std::isfinite(v)) return std::nullopt;
    return fmt::format("{}", v);
  }
  if (col->text[row].empty()) return std::nullopt;
  return col->text[row];
}

std::optional<double> CommuneTable::number(std::string_view code, std::string_view column) const {
  std::size_t row = 0;
  const auto* col = find(code, column, row);
  if (!col) return std::nullopt;
  if (col->numeric) {
    const double v = col->number[row];
    return std::isfinite(v) ? std::optional<double>(v) : std::nullopt;
  }
  if (col->text[row].empty()) return std::nullopt;
  return io::parse_number(col->text[row], decimal_comma_);
}

void ZoneHistory::add(std::string effective_from, CommuneTable table) {
  if (table.size() == 0)
    throw Error(Errc::empty_input, "the zone list holds no commune", table.source(), {},
                "a zone list has one row per commune: code_insee,zone (or the output folder of oasis run)");
  for (const auto& [code, zone] : table.texts("zone"))
    if (!zone.empty() && zone != "ZIP" && zone != "ZAC" && zone != "hors-zonage" && zone != "non-classe")
      throw Error(Errc::value_invalid, fmt::format("commune {} has the zone '{}'", code, zone), table.source(), {},
                  "zones are ZIP, ZAC, hors-zonage or non-classe (as oasis run writes them), or empty");
  if (!effective_from.empty() && !valid_date(effective_from))
    throw Error(Errc::usage, fmt::format("'{}' is not a date (YYYY-MM-DD)", effective_from), table.source(), {},
                "write --zones 2021-06-01=OUTDIR/zones.csv");
  for (const auto& e : lists)
    if (e.effective_from == effective_from)
      throw Error(Errc::usage,
                  fmt::format("two zone lists take effect on the same date ({})", effective_from.empty() ? "undated" : effective_from),
                  table.source(), {}, "give each list its own effective date");
  if ((effective_from.empty() && !lists.empty()) || (!lists.empty() && lists.front().effective_from.empty()))
    throw Error(Errc::usage, "an undated zone list cannot be combined with others", table.source(), {},
                "date every list: --zones DATE=FILE");
  lists.push_back({std::move(effective_from), std::move(table)});
  std::sort(lists.begin(), lists.end(), [](const Entry& a, const Entry& b) { return a.effective_from < b.effective_from; });
}

const CommuneTable* ZoneHistory::at(std::string_view date) const {
  if (lists.empty()) return nullptr;
  if (date.empty() || lists.front().effective_from.empty()) return &lists.back().table;
  const CommuneTable* found = nullptr;
  for (const auto& e : lists)
    if (e.effective_from <= date) found = &e.table;
  return found;
}

std::vector<Faculty> read_faculties(const std::filesystem::path& file) {
  const io::CsvFile csv(file);
  const auto c_id = csv.require({"id"}, "the faculty id");
  const auto c_name = csv.require({"ufr", "nom"}, "the faculty name");
  const auto c_univ = csv.column({"universite"});
  const auto c_code = csv.require({"code_insee"}, "the commune code");
  const auto c_cname = csv.column({"commune"});
  const auto c_x = csv.require({"x_l93"}, "the Lambert-93 x of the commune");
  const auto c_y = csv.require({"y_l93"}, "the Lambert-93 y of the commune");
  std::vector<Faculty> out;
  csv.for_each([&](const io::CsvRecord& r) {
    Faculty f;
    f.id = lower(r.fields[c_id]);
    if (f.id.empty()) throw Error(Errc::value_invalid, "empty faculty id", file.string(), csv.where(r), "give each faculty an id");
    for (const auto& g : out)
      if (g.id == f.id) throw Error(Errc::code_duplicate, fmt::format("faculty id '{}' twice", f.id), file.string(), csv.where(r));
    f.name = std::string(io::trim(r.fields[c_name]));
    if (c_univ) f.university = std::string(io::trim(r.fields[*c_univ]));
    f.commune = CodeInsee::from(r.fields[c_code], file.string(), csv.where(r)).to_string();
    if (c_cname) f.commune_name = std::string(io::trim(r.fields[*c_cname]));
    const auto x = io::parse_number(r.fields[c_x], csv.decimal_comma()), y = io::parse_number(r.fields[c_y], csv.decimal_comma());
    if (!x || !y || *x < -1e6 || *x > 2e6 || *y < 5e6 || *y > 8e6)
      throw Error(Errc::value_invalid, "faculty coordinates missing or outside Lambert-93 metropolitan range", file.string(), csv.where(r),
                  "x_l93 / y_l93 in metres, EPSG:2154");
    f.x = *x;
    f.y = *y;
    out.push_back(std::move(f));
  });
  if (out.empty()) throw Error(Errc::empty_input, "no faculty in the file", file.string());
  return out;
}

std::map<std::pair<std::string, std::string>, double> RoadTables::read(const std::filesystem::path& file, std::string_view cost_hint) {
  const io::CsvFile csv(file);
  const auto c_from = csv.require({"from_id", "origin", "from", "idsrc", "codgeo_from"}, "the origin commune");
  const auto c_to = csv.require({"to_id", "destination", "to", "iddst", "codgeo_to"}, "the destination commune");
  const auto c_cost = cost_hint == "km"
                          ? csv.require({"km", "distance_km", "distance"}, "the road distance in km")
                          : csv.require({"minutes", "cost", "time", "duration_min", "travel_time"}, "the road time in minutes");
  std::map<std::pair<std::string, std::string>, double> out;
  csv.for_each([&](const io::CsvRecord& r) {
    const auto a = CodeInsee::from(r.fields[c_from], file.string(), csv.where(r)).to_string();
    const auto b = CodeInsee::from(r.fields[c_to], file.string(), csv.where(r)).to_string();
    const auto v = io::parse_number(r.fields[c_cost], csv.decimal_comma());
    if (!v || *v < 0)
      throw Error(Errc::value_invalid, fmt::format("cost '{}' is not a non-negative number", r.fields[c_cost]), file.string(),
                  csv.where(r));
    if (!out.emplace(std::make_pair(a, b), *v).second)
      throw Error(Errc::code_duplicate, fmt::format("pair {} -> {} twice", a, b), file.string(), csv.where(r), "one row per pair");
  });
  return out;
}

namespace {

// One application cell, checked by the role the scheme gives its column.
std::string checked_value(const Scheme& scheme, const std::string& column, std::string_view text, bool decimal_comma,
                          const std::string& file, const std::string& record) {
  std::string v(text);
  if (v.empty()) return v;
  if (scheme.commune_fields.count(column)) return CodeInsee::from(v, file, record + ", column " + column).to_string();
  if (scheme.date_fields.count(column) && !valid_date(v))
    throw Error(Errc::value_invalid, fmt::format("'{}' in column {} is not a date", v, column), file, record, "write dates as YYYY-MM-DD");
  if (scheme.number_fields.count(column)) {
    if (!io::parse_number(v, decimal_comma))
      throw Error(Errc::value_invalid, fmt::format("'{}' in column {} is not a number", v, column), file, record);
    if (decimal_comma) std::replace(v.begin(), v.end(), ',', '.');
  }
  return v;
}

}  // namespace

Application make_application(const Scheme& scheme, std::string id, const std::map<std::string, std::string>& fields,
                             const std::string& source) {
  Application a;
  a.id = std::move(id);
  a.where = source;
  for (const auto& [k, v] : fields) a.fields[lower(k)] = checked_value(scheme, lower(k), io::trim(v), false, source, a.id);
  for (const auto& f : scheme.info.fields) a.fields.try_emplace(f);
  return a;
}

std::vector<Application> read_applications(const std::filesystem::path& file, const Scheme& scheme) {
  const io::CsvFile csv(file);
  const auto c_id = csv.require({"id", "application_id", "dossier"}, "the application id");
  std::vector<std::string> names;
  for (const auto& h : csv.header()) names.push_back(lower(h));
  for (const auto& f : scheme.info.fields)
    if (std::find(names.begin(), names.end(), f) == names.end())
      throw Error(Errc::field_missing,
                  fmt::format("the scheme '{}' reads the column '{}', absent from the applications", scheme.info.id, f), file.string(), {},
                  fmt::format("add the column (it may be empty for some rows); columns present: {}", fmt::join(csv.header(), ", ")));
  std::vector<Application> out;
  std::map<std::string, std::string> seen;
  csv.for_each([&](const io::CsvRecord& r) {
    Application a;
    a.id = std::string(io::trim(r.fields[c_id]));
    a.where = file.filename().string() + ", " + csv.where(r);
    if (a.id.empty()) throw Error(Errc::value_invalid, "empty application id", file.string(), csv.where(r), "give each row an id");
    if (const auto [it, fresh] = seen.emplace(a.id, a.where); !fresh)
      throw Error(Errc::code_duplicate, fmt::format("application id '{}' twice (first at {})", a.id, it->second), file.string(),
                  csv.where(r));
    for (std::size_t i = 0; i < names.size(); ++i)
      a.fields[names[i]] = checked_value(scheme, names[i], i < r.fields.size() ? io::trim(r.fields[i]) : std::string_view{},
                                         csv.decimal_comma(), file.string(), csv.where(r));
    out.push_back(std::move(a));
  });
  return out;
}

}  // namespace oasis::grants
