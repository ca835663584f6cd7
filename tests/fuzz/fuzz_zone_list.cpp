// The zone lists the grant calculators read (code_insee,zone...): any bytes are a commune table
// taken into a dated zone history, or an oasis::Error.
#include <cstdint>
#include <cstdlib>

#include "fuzz_common.hpp"
#include "oasis/core/error.hpp"
#include "oasis/grants/grants.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto file = oasis::fuzz::as_file(data, size, "zones.csv");
  try {
    auto table = oasis::grants::CommuneTable::read(file);
    (void)table.text("37261", "zone");
    (void)table.number("37261", "indicator");
    oasis::grants::ZoneHistory h;
    h.add("2024-01-01", std::move(table));
    (void)h.at("2024-06-01");
  } catch (const oasis::Error&) {}
  return 0;
}
