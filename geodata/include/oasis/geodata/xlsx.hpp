#pragma once
// Writing a spreadsheet (Office Open XML, .xlsx) through GDAL's XLSX driver: one sheet per table,
// the first row holding each column's title, text cells kept as text (codes keep their zeros).
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "oasis/geodata/gpkg.hpp"

namespace oasis::geodata {

struct Sheet {
  std::string name;             // at most 31 characters, none of : \ / ? * [ ]
  std::vector<Column> columns;  // header = Column::title (Column::name when empty); NaN = empty cell
};

/// Writes `sheets` to `path`, under a temporary name in the same folder and then renamed (a
/// reader never sees a half-written file). The same sheets give the same bytes (the driver writes
/// no timestamp). Throws Error(exists) when `path` exists and !overwrite, Error(io) on failure.
void write_xlsx(const std::filesystem::path& path, std::span<const Sheet> sheets, bool overwrite);

}  // namespace oasis::geodata
