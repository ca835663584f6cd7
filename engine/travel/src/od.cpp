#include "oasis/travel/od.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "oasis/core/error.hpp"

namespace oasis::travel {

double minutes_as_given(float minutes) noexcept {
  if (!std::isfinite(minutes)) return minutes;
  char buf[32];
  const auto end = std::to_chars(buf, buf + sizeof buf, minutes).ptr;  // the shortest form that reads back as the same float
  double d = minutes;
  std::from_chars(buf, end, d);
  return d;
}

std::optional<float> OdMatrix::time(std::size_t o, std::uint32_t d) const noexcept {
  const auto ds = destinations(o);
  const auto it = std::lower_bound(ds.begin(), ds.end(), d);
  if (it == ds.end() || *it != d) return std::nullopt;
  return times(o)[static_cast<std::size_t>(it - ds.begin())];
}

std::size_t OdMatrix::memory_bytes() const noexcept {
  return first.capacity() * sizeof(std::uint64_t) + dest.capacity() * sizeof(std::uint32_t) + minutes.capacity() * sizeof(float);
}

OdMatrix OdMatrix::transposed() const {
  OdMatrix t;
  t.n_destinations = n_origins();
  t.cutoff_min = cutoff_min;
  t.intra_min = intra_min;
  t.model = model;
  t.first.assign(n_destinations + 1, 0);
  for (auto d : dest) ++t.first[d + 1];
  for (std::size_t i = 0; i < n_destinations; ++i) t.first[i + 1] += t.first[i];
  t.dest.resize(dest.size());
  t.minutes.resize(dest.size());
  std::vector<std::uint64_t> fill(t.first.begin(), t.first.end() - 1);
  // Origins are visited in increasing order, so each transposed row comes out sorted.
  for (std::size_t o = 0; o < n_origins(); ++o)
    for (auto k = first[o]; k < first[o + 1]; ++k) {
      const auto pos = fill[dest[k]]++;
      t.dest[pos] = static_cast<std::uint32_t>(o);
      t.minutes[pos] = minutes[k];
    }
  return t;
}

OdMatrix OdMatrix::restricted(double cutoff) const {
  if (!(cutoff > 0))
    throw Error(Errc::value_invalid, fmt::format("cutoff {} minutes: it must be > 0", cutoff), {}, {},
                "give a positive travel-time cutoff in minutes");
  OdMatrix r;
  r.n_destinations = n_destinations;
  r.cutoff_min = std::min(cutoff, cutoff_min);
  r.intra_min = intra_min;
  r.model = model;
  r.first.reserve(first.size());
  for (std::size_t o = 0; o < n_origins(); ++o) {
    for (auto k = first[o]; k < first[o + 1]; ++k)
      if (minutes[k] <= cutoff) {
        r.dest.push_back(dest[k]);
        r.minutes.push_back(minutes[k]);
      }
    r.first.push_back(r.dest.size());
  }
  return r;
}

void OdMatrix::validate() const {
  auto fail = [](const std::string& m) { throw Error(Errc::internal, "OD table: " + m); };
  if (first.empty() || first.front() != 0 || first.back() != dest.size()) fail("bad row offsets");
  if (dest.size() != minutes.size()) fail("ids and times differ in length");
  for (std::size_t o = 0; o < n_origins(); ++o) {
    if (first[o] > first[o + 1]) fail("row offsets decrease");
    for (auto k = first[o]; k < first[o + 1]; ++k) {
      if (dest[k] >= n_destinations) fail(fmt::format("destination {} out of range", dest[k]));
      if (k > first[o] && dest[k] <= dest[k - 1]) fail(fmt::format("row {} is not sorted", o));
      if (!std::isfinite(minutes[k]) || minutes[k] < 0) fail(fmt::format("time {} in row {}", minutes[k], o));
      if (minutes[k] > cutoff_min) fail(fmt::format("time {} above the cutoff {}", minutes[k], cutoff_min));
    }
  }
}

void check_cutoff(double cutoff_min) {
  if (!(cutoff_min > 0) || !std::isfinite(cutoff_min))
    throw Error(Errc::value_invalid, fmt::format("travel cutoff {} minutes: it must be a finite number > 0", cutoff_min), {}, {},
                "give --cutoff in minutes, e.g. 30");
}

OdMatrix assemble(std::vector<OdRow>&& rows, std::size_t n_destinations) {
  OdMatrix od;
  od.n_destinations = n_destinations;
  std::size_t total = 0;
  for (const auto& r : rows) total += r.size();
  od.first.reserve(rows.size() + 1);
  od.dest.reserve(total);
  od.minutes.reserve(total);
  for (std::size_t o = 0; o < rows.size(); ++o) {
    auto& r = rows[o];
    std::sort(r.begin(), r.end());
    for (std::size_t k = 0; k < r.size(); ++k) {
      if (k > 0 && r[k].first == r[k - 1].first)
        throw Error(Errc::code_duplicate, fmt::format("origin {} lists destination {} twice", o, r[k].first));
      od.dest.push_back(r[k].first);
      od.minutes.push_back(r[k].second);
    }
    od.first.push_back(od.dest.size());
    OdRow().swap(r);
  }
  return od;
}

}  // namespace oasis::travel
