#include "oasis/core/code_insee.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "oasis/core/error.hpp"

namespace oasis {
namespace {
bool is_digit(char c) { return c >= '0' && c <= '9'; }
}  // namespace

std::optional<CodeInsee> CodeInsee::parse(std::string_view t) noexcept {
  if (t.size() != 5) return std::nullopt;
  if (!std::all_of(t.begin() + 2, t.end(), is_digit)) return std::nullopt;
  const bool corsica = t[0] == '2' && (t[1] == 'A' || t[1] == 'B');
  if (!corsica) {
    if (!is_digit(t[0]) || !is_digit(t[1])) return std::nullopt;
    const int dep = (t[0] - '0') * 10 + (t[1] - '0');
    if (dep == 0 || dep == 20 || dep == 96 || dep == 99) return std::nullopt;
    if (dep == 97 && (t[2] < '1' || t[2] > '8')) return std::nullopt;  // 971..978
    if (dep == 98 && (t[2] < '4' || t[2] > '9')) return std::nullopt;  // 984..989 (COM)
  }
  if (t.substr(2) == "000") return std::nullopt;
  std::array<char, 5> c{};
  std::copy(t.begin(), t.end(), c.begin());
  return CodeInsee(c);
}

std::string CodeInsee::diagnose(std::string_view t) {
  if (t.empty()) return "the code is empty: every record needs its 5-character INSEE code";
  const auto first = t.find_first_not_of(" \t\r\n\"'");
  const auto last = t.find_last_not_of(" \t\r\n\"'");
  if (first == std::string_view::npos) return "the code is blank";
  if (first != 0 || last + 1 != t.size()) {
    const auto inner = t.substr(first, last - first + 1);
    if (parse(inner)) return fmt::format("remove the surrounding spaces or quotes: use {}", inner);
  }
  if (t.size() == 4 && std::all_of(t.begin(), t.end(), is_digit))
    return fmt::format("it lost its leading zero (a spreadsheet read it as a number): use 0{}", t);
  if (t.size() == 5 && t[0] == '2' && (t[1] == 'a' || t[1] == 'b')) {
    std::string up(t);
    up[1] = static_cast<char>(std::toupper(static_cast<unsigned char>(up[1])));
    return fmt::format("Corsican codes are upper case: use {}", up);
  }
  if (t.size() == 5 && t[0] == '2' && t[1] == '0') return "Corsica has used 2A/2B instead of 20 since 1976: recode it with the COG";
  if (t.size() == 5 && t[0] == '9' && (t[1] == '7' || t[1] == '8')) return "overseas codes run 971xx to 978xx and 984xx to 989xx";
  if (t.size() == 5 && t[0] == '2' && (t[1] == 'C' || !is_digit(t[1]))) return "the département part must be two digits, 2A or 2B";
  if (t.size() > 5 && std::all_of(t.begin(), t.end(), is_digit))
    return "too long for a commune code: is it a SIREN, SIRET or postal+code column?";
  return "a commune code has 5 characters: 2 for the département (or 2A/2B, 97x) and 3 digits";
}

CodeInsee CodeInsee::from(std::string_view t, std::string_view file, std::string_view record) {
  if (auto c = parse(t)) return *c;
  throw Error(Errc::code_malformed, fmt::format("malformed INSEE code '{}'", t), std::string(file), std::string(record), diagnose(t));
}

bool CodeInsee::is_collectivite_outre_mer() const noexcept {
  if (chars_[0] != '9') return false;
  if (chars_[1] == '8') return true;
  return chars_[1] == '7' && (chars_[2] == '5' || chars_[2] == '7' || chars_[2] == '8');
}

std::string_view CodeInsee::departement() const noexcept { return is_overseas() ? str().substr(0, 3) : str().substr(0, 2); }

}  // namespace oasis
