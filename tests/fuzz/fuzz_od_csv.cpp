// Delimited text and OD tables: any bytes are read as CSV (separator detection, quotes, BOM,
// Latin-1, CRLF) and as a long-format OD table, giving records or an oasis::Error.
#include <cstdint>

#include "fuzz_common.hpp"
#include "oasis/core/diagnostics.hpp"
#include "oasis/core/error.hpp"
#include "oasis/io/csv.hpp"
#include "oasis/travel/od_io.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto file = oasis::fuzz::as_file(data, size, "input.csv");
  try {
    const oasis::io::CsvFile csv(file);
    std::size_t fields = 0;
    csv.for_each([&](const oasis::io::CsvRecord& r) {
      for (const auto& f : r.fields) {
        fields += f.size();
        (void)oasis::io::parse_number(f, csv.decimal_comma());
      }
    });
  } catch (const oasis::Error&) {}
  try {
    const auto ids = [](std::string_view s) -> std::optional<std::uint32_t> {
      if (s == "a") return 0;
      if (s == "b") return 1;
      if (s == "c") return 2;
      return std::nullopt;
    };
    oasis::Diagnostics diag;
    oasis::travel::OdReadOptions o;
    o.max_cost = 60;
    oasis::travel::OdReadReport rep;
    const auto od = oasis::travel::read_od_csv(file, ids, 3, ids, 3, o, diag, rep);
    od.validate();
  } catch (const oasis::Error&) {}
  return 0;
}
