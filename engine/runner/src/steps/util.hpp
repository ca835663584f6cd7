#pragma once
// Small helpers shared by the steps and the writers of the runner.
#include <cmath>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace oasis::runner {

/// Numbers in JSON: finite values as they are, NaN / infinity as null.
inline nlohmann::ordered_json jnum(double v) { return std::isfinite(v) ? nlohmann::ordered_json(v) : nlohmann::ordered_json(nullptr); }

/// A number as a CSV cell ("" when not finite); `fr` swaps the decimal point for a comma.
std::string num_csv(double v, bool fr, const char* spec = "{:.6g}");

/// A CSV cell, quoted when it holds the separator, a quote or a line break.
std::string quote(std::string_view s, char sep);

}  // namespace oasis::runner
