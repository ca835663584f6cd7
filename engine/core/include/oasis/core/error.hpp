#pragma once
// Hard failures carry a stable code, shared by the CLI's exit status, the JSON output and (later)
// the Python exceptions. The table is documented in docs/errors.md (a test keeps them in step).
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

namespace oasis {

enum class Errc : int {
  usage = 2,             // bad command line (unknown option, missing argument)
  io = 10,               // file or folder missing / unreadable / unwritable
  format = 11,           // file exists but is not the format expected (corrupt, truncated)
  empty_input = 12,      // file or folder holds no record
  exists = 13,           // output exists and --overwrite was not given
  busy = 14,             // the output folder is being written by another run
  crs_missing = 20,      // a layer has no coordinate reference system
  crs_mismatch = 21,     // coordinates do not fit the declared CRS
  code_malformed = 30,   // INSEE code not of the 5-character form
  code_duplicate = 31,   // the same INSEE code twice where codes must be unique
  code_unknown = 32,     // a code in a filter or list that matches nothing
  value_invalid = 40,    // negative, NaN or out-of-range number
  field_missing = 41,    // required column / attribute missing
  territory_empty = 50,  // the territory selection holds no commune
  scenario_key = 60,     // a scenario file has a key the schema does not declare
  scenario_type = 61,    // a scenario key has the wrong type (text for a number...)
  scenario_value = 62,   // a scenario value is out of range or not one of the choices
  scenario_extend = 63,  // `extend` names a missing file or makes a cycle
  grant_rule = 64,       // a grant rule file is invalid (unknown key, undefined parameter / value / field)
  cancelled = 75,        // cancelled by the progress callback (Ctrl-C, Python)
  internal = 70,         // a bug: please report it
  memory = 71,           // out of memory (std::bad_alloc)
  limit = 72,            // an input is larger than its documented limit
};

struct ErrcInfo {
  Errc code;
  std::string_view name;     // stable identifier, e.g. "E-CODE-DUPLICATE"
  std::string_view meaning;  // one line for the documentation table
};

/// Every error code, in numeric order (the source of docs/errors.md).
std::span<const ErrcInfo> all_errcs() noexcept;
std::string_view errc_name(Errc c) noexcept;

class Error : public std::runtime_error {
 public:
  Error(Errc code, std::string message, std::string file = {}, std::string record = {}, std::string fix = {});
  Errc code() const noexcept { return code_; }
  const std::string& message() const noexcept { return message_; }
  const std::string& file() const noexcept { return file_; }
  const std::string& record() const noexcept { return record_; }
  const std::string& fix() const noexcept { return fix_; }

 private:
  Errc code_;
  std::string message_, file_, record_, fix_;
};

/// "E-CODE-DUPLICATE (31): file.geojson, feature 12: duplicate ... Fix: ..."
std::string format_error(const Error& e);

}  // namespace oasis
