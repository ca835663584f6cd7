#include "oasis/model/supply.hpp"

namespace oasis {

void SupplyTable::add(CommuneId c, double a, std::string ident, double px, double py) {
  commune.push_back(c);
  amount.push_back(a);
  id.push_back(std::move(ident));
  x.push_back(px);
  y.push_back(py);
}

double SupplyTable::total() const noexcept {
  double s = 0.0;
  for (double a : amount) s += a;
  return s;
}

std::vector<double> SupplyTable::per_commune(std::size_t n) const {
  std::vector<double> out(n, 0.0);
  for (std::size_t i = 0; i < commune.size(); ++i) out.at(commune[i]) += amount[i];
  return out;
}

}  // namespace oasis
