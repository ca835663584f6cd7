#include "oasis/travel/od_io.hpp"

#include <functional>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "oasis/core/atomic_file.hpp"
#include "oasis/core/binary.hpp"
#include "oasis/core/error.hpp"
#include "oasis/io/csv.hpp"

namespace oasis::travel {
namespace fs = std::filesystem;

namespace {

/// What both readers do once the pairs are read: refuse a table matching nothing, name duplicate
/// pairs, add the intra-commune times, assemble.
OdMatrix finish_rows(std::vector<OdRow>&& rows, std::size_t n_to, const OdReadOptions& o, const std::set<std::string>& un_from,
                     const std::set<std::string>& un_to, OdReadReport& rep,
                     const std::function<std::string(std::uint32_t, std::uint32_t)>& name_pair) {
  if (rep.unmatched_records == rep.records) {
    const auto sample = [](const std::set<std::string>& s) {
      std::vector<std::string> v(s.begin(), s.end());
      if (v.size() > 3) v.resize(3);
      return fmt::format("{}", fmt::join(v, ", "));
    };
    throw Error(
        Errc::empty_input,
        fmt::format("no pair of the OD table matches the ids of the demand and supply files (origins such as {}; destinations such as {})",
                    un_from.empty() ? "-" : sample(un_from), un_to.empty() ? "-" : sample(un_to)),
        rep.file, {}, "check that from_id are demand ids and to_id supply ids, written the same way (leading zeros)");
  }
  // Duplicate pairs: find them before assembling so the message names the ids.
  for (std::uint32_t i = 0; i < rows.size(); ++i) {
    auto& row = rows[i];
    std::sort(row.begin(), row.end());
    for (std::size_t k = 1; k < row.size(); ++k)
      if (row[k].first == row[k - 1].first)
        throw Error(Errc::code_duplicate, fmt::format("the pair {}", name_pair(i, row[k].first)), rep.file, {},
                    "keep one travel time per pair (e.g. the fastest)");
    if (!std::isnan(o.intra_min) && i < n_to) {
      const auto it = std::lower_bound(row.begin(), row.end(), std::pair<std::uint32_t, float>{i, -1.0f});
      if ((it == row.end() || it->first != i) && o.intra_min <= o.max_cost) {
        row.insert(it, {i, static_cast<float>(o.intra_min)});
        ++rep.intra_added;
      }
    }
    rep.kept += row.size();
  }
  rep.kept -= rep.intra_added;
  rep.unmatched_from.assign(un_from.begin(), un_from.end());
  rep.unmatched_to.assign(un_to.begin(), un_to.end());
  auto od = assemble(std::move(rows), n_to);
  od.cutoff_min = o.max_cost;
  od.intra_min = o.intra_min;
  od.model = fmt::format("table {}", fs::path(rep.file).filename().string());
  return od;
}

}  // namespace

OdMatrix read_od_csv(const fs::path& path, const IdLookup& from, std::size_t n_from, const IdLookup& to, std::size_t n_to,
                     const OdReadOptions& o, Diagnostics& diag, OdReadReport& rep) {
  rep = OdReadReport{};
  rep.file = path.string();
  const io::CsvFile csv(path);
  if (csv.was_latin1()) diag.add(Warn::encoding, rep.file, "", "not UTF-8: read as Latin-1");
  auto col = [&](const std::string& given, std::initializer_list<std::string_view> names, const char* what) {
    return given.empty() ? csv.require(names, what) : csv.require({given}, what);
  };
  const auto c_from =
      col(o.from_column, {"from_id", "origin", "origin_id", "from", "idsrc", "o", "fromid"}, "the origin (demand) id column, e.g. from_id");
  const auto c_to = col(o.to_column, {"to_id", "destination", "destination_id", "to", "iddst", "d", "toid"},
                        "the destination (supply) id column, e.g. to_id");
  const auto c_cost = col(o.cost_column, {"cost", "minutes", "travel_time", "travel_time_p50", "time", "duree", "duration", "temps"},
                          "the travel time column (minutes), e.g. cost");
  rep.from_column = csv.header()[c_from];
  rep.to_column = csv.header()[c_to];
  rep.cost_column = csv.header()[c_cost];
  std::vector<OdRow> rows(n_from);
  std::set<std::string> un_from, un_to;
  // The origin of the previous line is kept: tables come grouped by origin, so most lines need
  // no origin lookup.
  std::string last_from;
  std::optional<std::uint32_t> last_fi;
  bool have_last = false;
  auto from_once = [&](std::string_view id) {
    if (!have_last || id != last_from) last_from.assign(id), last_fi = from(id), have_last = true;
    return last_fi;
  };
  csv.for_each([&](const io::CsvRecord& r) {
    ++rep.records;
    const auto f = io::trim(r.fields[c_from]);
    const auto t = io::trim(r.fields[c_to]);
    const auto cost = io::parse_number(r.fields[c_cost], csv.decimal_comma());
    if (!cost || *cost < 0)
      throw Error(Errc::value_invalid, fmt::format("travel time '{}' is not a number >= 0", r.fields[c_cost]), rep.file, csv.where(r),
                  "times are minutes >= 0; remove or fix the pair");
    const auto fi = from_once(f);
    const auto ti = to(t);
    if (!fi || !ti) {
      ++rep.unmatched_records;
      if (!fi && un_from.size() < 1000) un_from.emplace(f);
      if (!ti && un_to.size() < 1000) un_to.emplace(t);
      diag.add(Warn::code_unmatched, rep.file, csv.where(r),
               fmt::format("{} '{}' matches no {}", !fi ? "origin" : "destination", !fi ? f : t, !fi ? "demand unit" : "supply site"));
      return;
    }
    if (*cost > o.max_cost) {
      ++rep.above_cutoff;
      return;
    }
    rows[*fi].emplace_back(*ti, static_cast<float>(*cost));
  });
  if (rep.records == 0) throw Error(Errc::empty_input, "the OD table has a header but no pair", rep.file);
  // A duplicate pair is named by its ids and lines, found again in the file (only then).
  const auto name_pair = [&](std::uint32_t fi, std::uint32_t ti) {
    std::string ids;
    std::vector<std::size_t> lines;
    have_last = false;
    csv.for_each([&](const io::CsvRecord& r) {
      const auto f = io::trim(r.fields[c_from]);
      const auto t = io::trim(r.fields[c_to]);
      if (from_once(f) == std::optional<std::uint32_t>(fi) && to(t) == std::optional<std::uint32_t>(ti)) {
        if (ids.empty()) ids = fmt::format("({}, {})", f, t);
        lines.push_back(r.line);
      }
    });
    return fmt::format("{} appears twice: lines {}", ids, fmt::join(lines, " and "));
  };
  return finish_rows(std::move(rows), n_to, o, un_from, un_to, rep, name_pair);
}

void write_od_csv(const fs::path& path, const OdMatrix& od, const std::vector<std::string>& from_ids,
                  const std::vector<std::string>& to_ids, bool overwrite) {
  std::string out;
  out.reserve(od.pairs() * 20 + 32);
  out += "from_id,to_id,minutes\n";
  for (std::size_t o = 0; o < od.n_origins(); ++o) {
    const auto ds = od.destinations(o);
    const auto ts = od.times(o);
    for (std::size_t k = 0; k < ds.size(); ++k)
      fmt::format_to(std::back_inserter(out), "{},{},{:.2f}\n", from_ids[o], to_ids[ds[k]], ts[k]);
  }
  write_file_atomic(path, out, overwrite);
}

namespace {
constexpr char kMagic[8] = {'O', 'A', 'S', 'I', 'S', 'O', 'D', '1'};
}  // namespace

void write_od_binary(const fs::path& path, const OdMatrix& od, const std::vector<std::string>& from_ids,
                     const std::vector<std::string>& to_ids, bool overwrite) {
  BinaryWriter w;
  w.put_bytes(std::string_view(kMagic, sizeof(kMagic)));
  w.put(static_cast<std::uint64_t>(od.n_origins()));
  w.put(static_cast<std::uint64_t>(od.n_destinations));
  w.put(static_cast<std::uint64_t>(od.pairs()));
  w.put(od.cutoff_min);
  w.put(od.intra_min);
  w.put_str(od.model);
  for (const auto& id : from_ids) w.put_str(id);
  for (const auto& id : to_ids) w.put_str(id);
  w.put_array(od.first);
  w.put_array(od.dest);
  w.put_array(od.minutes);
  write_file_atomic(path, w.bytes(), overwrite);
}

bool is_od_binary(const fs::path& path) {
  check_input_file(path, InputKind::table, "the travel table");
  std::ifstream in(path, std::ios::binary);
  char head[sizeof(kMagic)] = {};
  return in.read(head, sizeof head) && std::memcmp(head, kMagic, sizeof(kMagic)) == 0;
}

OdMatrix read_od(const fs::path& path, const IdLookup& from, std::size_t n_from, const IdLookup& to, std::size_t n_to,
                 const OdReadOptions& o, Diagnostics& diag, OdReadReport& rep) {
  if (!is_od_binary(path)) return read_od_csv(path, from, n_from, to, n_to, o, diag, rep);
  const auto f = read_od_binary(path);
  rep = OdReadReport{};
  rep.file = path.string();
  rep.from_column = "from_ids", rep.to_column = "to_ids", rep.cost_column = "minutes";  // the binary file's own arrays
  std::vector<std::optional<std::uint32_t>> to_of(f.to_ids.size());
  for (std::size_t d = 0; d < f.to_ids.size(); ++d) to_of[d] = to(f.to_ids[d]);
  std::vector<OdRow> rows(n_from);
  std::set<std::string> un_from, un_to;
  for (std::size_t i = 0; i < f.od.n_origins(); ++i) {
    const auto fi = from(f.from_ids[i]);
    const auto ds = f.od.destinations(i);
    const auto ts = f.od.times(i);
    for (std::size_t k = 0; k < ds.size(); ++k) {
      ++rep.records;
      if (!fi || !to_of[ds[k]]) {
        ++rep.unmatched_records;
        if (!fi && un_from.size() < 1000) un_from.emplace(f.from_ids[i]);
        if (!to_of[ds[k]] && un_to.size() < 1000) un_to.emplace(f.to_ids[ds[k]]);
        continue;
      }
      if (ts[k] > o.max_cost) {
        ++rep.above_cutoff;
        continue;
      }
      rows[*fi].emplace_back(*to_of[ds[k]], ts[k]);
    }
  }
  if (rep.records == 0) throw Error(Errc::empty_input, "the binary OD table holds no pair", rep.file);
  if (rep.unmatched_records) diag.count(Warn::code_unmatched, rep.unmatched_records);
  auto od = finish_rows(std::move(rows), n_to, o, un_from, un_to, rep, [](std::uint32_t fi, std::uint32_t ti) {
    return fmt::format("(origin #{}, destination #{}) appears twice", fi, ti);
  });
  if (std::isnan(o.intra_min)) od.intra_min = f.od.intra_min;
  return od;
}

OdFile read_od_binary(const fs::path& path) {
  check_input_file(path, InputKind::table, "the travel table");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(Errc::io, "cannot read the OD file", path.string());
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string buf = ss.str();
  BinaryReader r(buf, path.string(), "OD binary file", "rebuild it with oasis travel");
  r.need(sizeof(kMagic));
  if (std::memcmp(buf.data(), kMagic, sizeof(kMagic)) != 0)
    throw Error(Errc::format, "not an Oasis OD binary file (bad magic)", path.string(), {},
                "binary OD files are written by `oasis travel -o FILE.odb`; CSV tables end in .csv");
  r.seek(sizeof(kMagic));
  OdFile f;
  const auto n_o = r.get<std::uint64_t>(), n_d = r.get<std::uint64_t>(), pairs = r.get<std::uint64_t>();
  f.od.cutoff_min = r.get<double>();
  f.od.intra_min = r.get<double>();
  f.od.model = r.get_str();
  f.od.n_destinations = n_d;
  if (n_o > buf.size() || n_d > buf.size() || pairs > buf.size()) r.need(buf.size() + 1);
  for (std::uint64_t i = 0; i < n_o; ++i) f.from_ids.push_back(r.get_str());
  for (std::uint64_t i = 0; i < n_d; ++i) f.to_ids.push_back(r.get_str());
  r.get_array(f.od.first, n_o + 1);
  r.get_array(f.od.dest, pairs);
  r.get_array(f.od.minutes, pairs);
  try {
    f.od.validate();
  } catch (const Error& e) {
    throw Error(Errc::format, fmt::format("corrupt OD binary file: {}", e.message()), path.string());
  }
  return f;
}

}  // namespace oasis::travel
