// The supply count reader (one count per commune, as the RPPS counts file): any bytes are a table of
// counts placed in a three-commune territory (Paris' arrondissements and former codes included by
// the COG), or an oasis::Error.
#include <cstdint>
#include <cstdlib>

#include "fuzz_common.hpp"
#include "oasis/core/diagnostics.hpp"
#include "oasis/core/error.hpp"
#include "oasis/geodata/cog.hpp"
#include "oasis/geodata/load.hpp"

namespace {
const oasis::geodata::Cog& cog() {
  static const auto c = oasis::geodata::Cog::load(oasis::geodata::resolve_cog_dir(""));
  return c;
}
const oasis::Territory& territory() {
  static const auto t = [] {
    std::vector<oasis::CommuneRecord> r;
    for (const char* code : {"37261", "75056", "45234"})
      r.push_back({oasis::CodeInsee::from(code), code, std::string(code).substr(0, 2), "24", "", 1000.0, 2154, {}, {}, {}});
    return oasis::Territory::from_records(std::move(r));
  }();
  return t;
}
}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  (void)cog();
  (void)territory();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto file = oasis::fuzz::as_file(data, size, "counts.csv");
  try {
    oasis::geodata::SupplyOptions o;
    o.path = file;
    o.format = "counts";
    oasis::Diagnostics diag;
    oasis::geodata::SupplyReport rep;
    const auto s = oasis::geodata::load_supply(o, territory(), cog(), diag, rep);
    (void)s.per_commune(territory().size());
  } catch (const oasis::Error&) {}
  return 0;
}
