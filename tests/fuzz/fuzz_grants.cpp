// Grant rule files: any text is a scheme or an oasis::Error; a scheme is then evaluated on a few
// applications and a two-commune zone list without crashing.
#include <cstdint>
#include <string_view>

#include "oasis/core/error.hpp"
#include "oasis/grants/grants.hpp"

using namespace oasis::grants;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  static const std::vector<Faculty> fac{{"fac", "UFR", "U", "37261", "Tours", 525000, 6700000}};
  static const ZoneHistory zh = [] {
    ZoneHistory z;
    z.add("", CommuneTable::from_rows("zones", {"code_insee", "zone", "class", "apl", "x_l93", "y_l93"},
                                      {{"37261", {"37261", "ZIP", "ZIP", "1.5", "525000", "6700000"}},
                                       {"37003", {"37003", "ZAC", "vivier", "3", "550000", "6710000"}}}));
    return z;
  }();
  try {
    const auto scheme = parse_scheme(text, "fuzz.toml");
    std::vector<Application> apps;
    for (const char* code : {"37261", "37003", ""}) {
      // Each column gets the first value its role accepts: a commune code, a date, a number, text.
      std::map<std::string, std::string> f;
      for (const auto& name : info(*scheme).fields) f[name] = "";
      for (const auto& name : info(*scheme).fields)
        for (const char* v : {code, "2020-01-01", "3", "yes"}) {
          f[name] = v;
          try {
            (void)make_application(*scheme, "probe", f, "fuzz");
            break;
          } catch (const oasis::Error&) {
            f[name] = "";
          }
        }
      apps.push_back(make_application(*scheme, std::string("A") + code, f, "fuzz"));
    }
    (void)evaluate(*scheme, apps, {&zh, &fac, nullptr});
  } catch (const oasis::Error&) {}
  return 0;
}
