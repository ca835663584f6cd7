#pragma once
// Small helpers shared by the steps and the writers of the runner.
#include <cmath>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "oasis/access/methods.hpp"

namespace oasis::runner {

/// Numbers in JSON: finite values as they are, NaN / infinity as null.
inline nlohmann::ordered_json jnum(double v) { return std::isfinite(v) ? nlohmann::ordered_json(v) : nlohmann::ordered_json(nullptr); }

/// A computed indicator against a published one (access::fidelity), as summary.json gives it.
inline nlohmann::ordered_json fidelity_json(const std::optional<access::Fidelity>& f) {
  if (!f) return nullptr;
  return {{"communes_compared", f->compared},
          {"spearman", jnum(f->spearman)},
          {"mean_absolute_error", jnum(f->mean_absolute_error)},
          {"agreement_below_line", jnum(f->agreement_below_line)}};
}

/// A number as a CSV cell ("" when not finite); `fr` swaps the decimal point for a comma.
std::string num_csv(double v, bool fr, const char* spec = "{:.6g}");

/// A CSV cell, quoted when it holds the separator, a quote or a line break.
std::string quote(std::string_view s, char sep);

}  // namespace oasis::runner
