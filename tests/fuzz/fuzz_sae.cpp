// The DREES SAE emergency tables: the input is cut at form feeds ('\f') into the four tables of one
// year (ID, URGENCES, URGENCES2, SMURSAMU, in that order; missing parts are empty files); any bytes
// are a list of emergency sites or an oasis::Error.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "fuzz_common.hpp"
#include "oasis/core/diagnostics.hpp"
#include "oasis/core/error.hpp"
#include "oasis/geodata/sae.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view all(reinterpret_cast<const char*>(data), size);
  std::filesystem::path dir;
  std::size_t at = 0;
  for (const char* name : {"ID_2023r.csv", "URGENCES_2023r.csv", "URGENCES2_2023r.csv", "SMURSAMU_2023r.csv"}) {
    const auto end = std::min(all.find('\f', at), all.size());
    const auto part = at < all.size() ? all.substr(at, end - at) : std::string_view{};
    dir = oasis::fuzz::as_file(reinterpret_cast<const std::uint8_t*>(part.data()), part.size(), name).parent_path();
    at = end + 1;
  }
  try {
    oasis::Diagnostics diag;
    oasis::geodata::SaeReport rep;
    (void)oasis::geodata::read_sae(dir, 2023, diag, rep);
  } catch (const oasis::Error&) {}
  return 0;
}
