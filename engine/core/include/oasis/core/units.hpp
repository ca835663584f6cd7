#pragma once
// Strong unit types. Library-wide units: distances in metres, travel times in minutes.
#include <compare>

namespace oasis {

template <class Tag>
struct Quantity {
  double value = 0.0;
  constexpr Quantity() = default;
  constexpr explicit Quantity(double v) : value(v) {}
  constexpr auto operator<=>(const Quantity&) const = default;
  constexpr Quantity operator+(Quantity o) const { return Quantity(value + o.value); }
  constexpr Quantity operator-(Quantity o) const { return Quantity(value - o.value); }
  constexpr Quantity operator*(double k) const { return Quantity(value * k); }
  constexpr Quantity operator/(double k) const { return Quantity(value / k); }
  constexpr double operator/(Quantity o) const { return value / o.value; }
  constexpr Quantity& operator+=(Quantity o) {
    value += o.value;
    return *this;
  }
};

struct MetresTag {};
struct MinutesTag {};
struct KmPerHourTag {};
using Metres = Quantity<MetresTag>;
using Minutes = Quantity<MinutesTag>;
using KmPerHour = Quantity<KmPerHourTag>;

/// Time to cover a distance at a speed: metres / (km/h) -> minutes.
constexpr Minutes travel_time(Metres d, KmPerHour v) { return Minutes(d.value / (v.value * 1000.0 / 60.0)); }

}  // namespace oasis
