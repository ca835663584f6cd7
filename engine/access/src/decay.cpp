#include "oasis/access/decay.hpp"

#include <cmath>
#include <limits>
#include <numbers>

#include <fmt/format.h>

#include "oasis/core/error.hpp"

namespace oasis::access {
namespace {

[[noreturn]] void bad(std::string_view spec, std::string_view why) {
  throw Error(Errc::usage, fmt::format("decay '{}': {}", spec, why), {}, {},
              "use none, binary:C, step:T1:W1,T2:W2,... (left-closed), step-right:T1:W1,... (right-closed), linear:C, exp:B, power:B, "
              "gaussian:S, logistic:M:SD or "
              "table:T1:W1,T2:W2,... (times in minutes)");
}

double number(std::string_view spec, std::string_view s) {
  std::string tmp(s);
  char* end = nullptr;
  const double v = std::strtod(tmp.c_str(), &end);
  if (tmp.empty() || end != tmp.c_str() + tmp.size() || !std::isfinite(v)) bad(spec, fmt::format("'{}' is not a number", s));
  return v;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= s.size(); ++i)
    if (i == s.size() || s[i] == sep) {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  return out;
}

/// "T1:W1,T2:W2" -> thresholds and weights.
void pairs(std::string_view spec, std::string_view body, std::vector<double>& t, std::vector<double>& w) {
  for (auto item : split(body, ',')) {
    const auto tw = split(item, ':');
    if (tw.size() != 2) bad(spec, fmt::format("'{}' is not a T:W pair", item));
    t.push_back(number(spec, tw[0]));
    w.push_back(number(spec, tw[1]));
  }
  if (t.empty()) bad(spec, "no T:W pair");
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (t[i] < 0) bad(spec, "times must be >= 0");
    if (w[i] < 0) bad(spec, "weights must be >= 0");
    if (i > 0 && !(t[i] > t[i - 1])) bad(spec, "times must increase");
  }
}

}  // namespace

Decay Decay::parse(std::string_view spec) {
  Decay d;
  const auto colon = spec.find(':');
  const auto name = spec.substr(0, colon);
  const auto body = colon == std::string_view::npos ? std::string_view() : spec.substr(colon + 1);
  const auto args = body.empty() ? std::vector<std::string_view>{} : split(body, ':');
  auto need = [&](std::size_t n) {
    if (args.size() != n) bad(spec, fmt::format("'{}' takes {} parameter(s)", name, n));
  };
  auto positive = [&](double v, const char* what) {
    if (!(v > 0)) bad(spec, fmt::format("{} must be > 0", what));
    return v;
  };
  if (name == "none") {
    need(0);
    d.kind_ = Kind::none;
  } else if (name == "binary") {
    need(1);
    d.kind_ = Kind::binary;
    d.a_ = positive(number(spec, args[0]), "the cutoff C");
  } else if (name == "linear") {
    need(1);
    d.kind_ = Kind::linear;
    d.a_ = positive(number(spec, args[0]), "the cutoff C");
  } else if (name == "exp") {
    need(1);
    d.kind_ = Kind::exp;
    d.a_ = positive(number(spec, args[0]), "the rate B");
  } else if (name == "power") {
    need(1);
    d.kind_ = Kind::power;
    d.a_ = positive(number(spec, args[0]), "the exponent B");
  } else if (name == "gaussian") {
    need(1);
    d.kind_ = Kind::gaussian;
    d.a_ = positive(number(spec, args[0]), "the width S");
  } else if (name == "logistic") {
    need(2);
    d.kind_ = Kind::logistic;
    d.a_ = number(spec, args[0]);
    d.b_ = positive(number(spec, args[1]), "the spread SD");
  } else if (name == "step" || name == "step-right" || name == "table") {
    d.kind_ = name == "step" ? Kind::step : name == "step-right" ? Kind::step_right : Kind::table;
    pairs(spec, body, d.t_, d.w_);
    if (d.kind_ != Kind::table && !(d.t_.front() > 0)) bad(spec, "the first step must end after 0 minutes");
  } else {
    bad(spec, fmt::format("unknown decay '{}'", name));
  }
  return d;
}

Decay Decay::drees_apl() { return parse("step:10:1,15:0.666667,20:0.333333"); }

double Decay::operator()(double t) const noexcept {
  switch (kind_) {
    case Kind::none: return 1.0;
    case Kind::binary: return t <= a_ ? 1.0 : 0.0;
    case Kind::step:
      for (std::size_t k = 0; k < t_.size(); ++k)
        if (t < t_[k]) return w_[k];  // weight W_k on [T_(k-1), T_k): ipeaGIT/accessibility's decay_stepped
      return 0.0;
    case Kind::step_right:
      for (std::size_t k = 0; k < t_.size(); ++k)
        if (t <= t_[k]) return w_[k];  // weight W_k on (T_(k-1), T_k]: pysal/access's weights.step_fn
      return 0.0;
    case Kind::linear: return std::max(0.0, 1.0 - t / a_);
    case Kind::exp: return std::exp(-a_ * t);
    case Kind::power: return t <= 1.0 ? 1.0 : std::min(1.0, std::pow(t, -a_));
    case Kind::gaussian: return std::exp(-t * t / (2 * a_ * a_));
    case Kind::logistic: {
      const double k = std::numbers::pi / (b_ * std::sqrt(3.0));
      const double g0 = 1.0 + std::exp((0.0 - a_) * k), gt = 1.0 + std::exp((t - a_) * k);
      return g0 / gt;
    }
    case Kind::table: {  // piecewise linear through the points; first weight before, 0 after the last
      if (t <= t_.front()) return w_.front();
      for (std::size_t k = 1; k < t_.size(); ++k)
        if (t <= t_[k]) return w_[k - 1] + (w_[k] - w_[k - 1]) * (t - t_[k - 1]) / (t_[k] - t_[k - 1]);
      return 0.0;
    }
  }
  return 0.0;
}

void Decay::weights(std::span<const float> t, double max_cost, std::span<double> out) const {
  if (out.size() != t.size()) throw Error(Errc::internal, "Decay::weights: one output per time expected");
  auto each = [&](auto&& w) {
    for (std::size_t k = 0; k < t.size(); ++k) {
      const double v = t[k];
      out[k] = v > max_cost ? 0.0 : w(v);
    }
  };
  switch (kind_) {
    case Kind::step:
    case Kind::step_right: {
      // The weight of the step a time falls in: index = how many bounds it has passed (T_k <= t
      // for `step`, T_k < t for `step_right`), past the last one 0.
      std::vector<double> table(w_);
      table.push_back(0.0);
      const bool right = kind_ == Kind::step_right;
      each([&](double v) {
        std::size_t i = 0;
        for (const double b : t_) i += right ? (b < v) : (b <= v);
        return table[i];
      });
      return;
    }
    case Kind::none: each([](double) { return 1.0; }); return;
    default: each([&](double v) { return (*this)(v); }); return;
  }
}

std::string Decay::spec() const {
  auto list = [&] {
    std::string s;
    for (std::size_t k = 0; k < t_.size(); ++k) s += fmt::format("{}{}:{}", k ? "," : "", t_[k], w_[k]);
    return s;
  };
  switch (kind_) {
    case Kind::none: return "none";
    case Kind::binary: return fmt::format("binary:{}", a_);
    case Kind::step: return "step:" + list();
    case Kind::step_right: return "step-right:" + list();
    case Kind::linear: return fmt::format("linear:{}", a_);
    case Kind::exp: return fmt::format("exp:{}", a_);
    case Kind::power: return fmt::format("power:{}", a_);
    case Kind::gaussian: return fmt::format("gaussian:{}", a_);
    case Kind::logistic: return fmt::format("logistic:{}:{}", a_, b_);
    case Kind::table: return "table:" + list();
  }
  return "none";
}

double Decay::support() const noexcept {
  switch (kind_) {
    case Kind::binary:
    case Kind::linear: return a_;
    case Kind::step:
    case Kind::step_right:
    case Kind::table: return t_.back();
    default: return std::numeric_limits<double>::infinity();
  }
}

}  // namespace oasis::access
