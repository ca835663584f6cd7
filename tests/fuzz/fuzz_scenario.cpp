// Scenario files: any text is either a scenario or an oasis::Error (never a crash, a hang or
// another exception).
#include <cstdint>
#include <string_view>

#include "oasis/core/error.hpp"
#include "oasis/scenario/scenario.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const auto s = oasis::scenario::parse(text, "fuzz.toml", "/nonexistent-oasis-fuzz");
    // A valid scenario resolves to a text that parses again to itself.
    const auto again = oasis::scenario::parse(s.resolved_toml, "fuzz.toml", "/nonexistent-oasis-fuzz");
    if (again.resolved_toml != s.resolved_toml) __builtin_trap();
  } catch (const oasis::Error&) {}
  return 0;
}
