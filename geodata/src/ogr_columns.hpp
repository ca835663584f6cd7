#pragma once
// Columns (gpkg.hpp) as OGR fields: their OGR type and one row's values into a feature.
#include <cmath>

#include <ogr_feature.h>

#include "oasis/geodata/gpkg.hpp"

namespace oasis::geodata::detail {

inline OGRFieldType ogr_type(Column::Type t) {
  switch (t) {
    case Column::Type::integer: return OFTInteger64;
    case Column::Type::real: return OFTReal;
    case Column::Type::text: return OFTString;
  }
  return OFTString;
}

/// Row `i` of `columns` into `f` (field k = column k): a NaN real is left NULL, and so is an empty
/// text when `empty_text_null`.
inline void set_row(OGRFeature& f, std::span<const Column> columns, std::size_t i, bool empty_text_null) {
  for (std::size_t k = 0; k < columns.size(); ++k) {
    const auto& c = columns[k];
    const int fi = static_cast<int>(k);
    switch (c.type) {
      case Column::Type::integer: f.SetField(fi, static_cast<GIntBig>(c.integers[i])); break;
      case Column::Type::real:
        if (std::isfinite(c.reals[i]))
          f.SetField(fi, c.reals[i]);
        else
          f.SetFieldNull(fi);
        break;
      case Column::Type::text:
        if (!(empty_text_null && c.texts[i].empty())) f.SetField(fi, c.texts[i].c_str());
        break;
    }
  }
}

}  // namespace oasis::geodata::detail
