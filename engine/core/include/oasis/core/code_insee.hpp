#pragma once
// CodeInsee: the 5-character INSEE code of a commune, always text ("01001", "2A004", "97411").
#include <array>
#include <compare>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace oasis {

class CodeInsee {
 public:
  /// Strict parse: exactly 5 characters, département "01".."95", "2A", "2B", "971".."978" or
  /// "984".."989" (collectivités d'outre-mer are valid codes, though outside every territory
  /// Oasis models), then three digits not all zero. Returns nullopt for anything else (no trimming, no padding).
  static std::optional<CodeInsee> parse(std::string_view text) noexcept;

  /// Like parse(), but throws Error(Errc::code_malformed) whose fix explains the likely cause.
  static CodeInsee from(std::string_view text, std::string_view file = {}, std::string_view record = {});

  /// A human hint for a malformed code ("lost its leading zero: use 01001").
  static std::string diagnose(std::string_view text);

  std::string_view str() const noexcept { return {chars_.data(), chars_.size()}; }
  std::string to_string() const { return std::string(str()); }
  /// Département code: "01", "2A", or three characters overseas ("971").
  std::string_view departement() const noexcept;
  bool is_overseas() const noexcept { return chars_[0] == '9' && (chars_[1] == '7' || chars_[1] == '8'); }
  /// Saint-Pierre-et-Miquelon, Saint-Barthélemy, Saint-Martin, Pacific and austral collectivités:
  /// valid INSEE codes without boundaries or APL in the public data.
  bool is_collectivite_outre_mer() const noexcept;

  auto operator<=>(const CodeInsee&) const = default;

 private:
  explicit CodeInsee(std::array<char, 5> c) : chars_(c) {}
  std::array<char, 5> chars_;
};

}  // namespace oasis

template <>
struct std::hash<oasis::CodeInsee> {
  std::size_t operator()(const oasis::CodeInsee& c) const noexcept { return std::hash<std::string_view>{}(c.str()); }
};
