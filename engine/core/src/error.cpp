#include "oasis/core/error.hpp"

#include <array>

#include <fmt/format.h>

namespace oasis {
namespace {
constexpr std::array<ErrcInfo, 23> kErrcs{{
    {Errc::usage, "E-USAGE", "the command line is wrong: unknown option, missing or bad argument"},
    {Errc::io, "E-IO", "a file or folder is missing, unreadable or cannot be written"},
    {Errc::format, "E-FORMAT", "a file is not in the expected format (corrupt, truncated, wrong driver)"},
    {Errc::empty_input, "E-EMPTY", "a file or folder holds no usable record"},
    {Errc::exists, "E-EXISTS", "the output already exists: pass --overwrite or choose another name"},
    {Errc::busy, "E-BUSY", "another run is writing the same output folder: wait for it, or choose another folder"},
    {Errc::crs_missing, "E-CRS-MISSING", "a layer has no coordinate reference system: add one or pass --assume-crs"},
    {Errc::crs_mismatch, "E-CRS-MISMATCH", "coordinates do not fit the declared CRS (wrong .prj, swapped axes)"},
    {Errc::code_malformed, "E-CODE-MALFORMED", "an INSEE code is not of the 5-character form (01001, 2A004, 97411)"},
    {Errc::code_duplicate, "E-CODE-DUPLICATE", "the same INSEE code appears twice where codes must be unique"},
    {Errc::code_unknown, "E-CODE-UNKNOWN", "a code given as a filter or a required key matches nothing"},
    {Errc::value_invalid, "E-VALUE", "a number is negative, NaN or out of range"},
    {Errc::field_missing, "E-FIELD-MISSING", "a required column or attribute is missing"},
    {Errc::territory_empty, "E-TERRITORY-EMPTY", "the territory selection holds no commune"},
    {Errc::scenario_key, "E-SCENARIO-KEY", "a scenario file has a key the schema does not declare (typo, wrong section)"},
    {Errc::scenario_type, "E-SCENARIO-TYPE", "a scenario key has the wrong type (text where a number is expected...)"},
    {Errc::scenario_value, "E-SCENARIO-VALUE", "a scenario value is out of range or not one of the allowed choices"},
    {Errc::scenario_extend, "E-SCENARIO-EXTEND", "a scenario's `extend` names a missing file or makes a cycle"},
    {Errc::grant_rule, "E-GRANT-RULE", "a grant rule file is invalid: unknown key, undefined parameter, value or field, bad band table"},
    {Errc::internal, "E-INTERNAL", "an internal error (a bug): please report it with the command line"},
    {Errc::memory, "E-MEMORY", "the computation ran out of memory (or hit the address-space limit)"},
    {Errc::limit, "E-LIMIT",
     "an input is larger than its documented limit (docs/reliability.md, \"Input limits\"): OASIS_MAX_INPUT_MB raises it"},
    {Errc::cancelled, "E-CANCELLED", "the computation was cancelled"},
}};
}  // namespace

std::span<const ErrcInfo> all_errcs() noexcept { return kErrcs; }

std::string_view errc_name(Errc c) noexcept {
  for (const auto& e : kErrcs)
    if (e.code == c) return e.name;
  return "E-INTERNAL";
}

Error::Error(Errc code, std::string message, std::string file, std::string record, std::string fix)
    : std::runtime_error(message),
      code_(code),
      message_(std::move(message)),
      file_(std::move(file)),
      record_(std::move(record)),
      fix_(std::move(fix)) {}

std::string format_error(const Error& e) {
  std::string where;
  if (!e.file().empty()) where = e.file();
  if (!e.record().empty()) where += (where.empty() ? "" : ", ") + e.record();
  std::string out = fmt::format("{} ({}): ", errc_name(e.code()), static_cast<int>(e.code()));
  if (!where.empty()) out += where + ": ";
  out += e.message();
  if (!e.fix().empty()) out += fmt::format("\n  fix: {}", e.fix());
  return out;
}

}  // namespace oasis
