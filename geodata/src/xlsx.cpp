#include "oasis/geodata/xlsx.hpp"

#include <unistd.h>

#include <fmt/format.h>
#include <ogrsf_frmts.h>

#include "gdal_util.hpp"
#include "ogr_columns.hpp"
#include "oasis/core/error.hpp"

namespace fs = std::filesystem;

namespace oasis::geodata {

void write_xlsx(const fs::path& path, std::span<const Sheet> sheets, bool overwrite) {
  detail::ensure_gdal();
  if (fs::exists(path) && !overwrite)
    throw Error(Errc::exists, "the spreadsheet already exists", path.string(), {}, "pass --overwrite or choose another folder");
  for (const auto& s : sheets) {
    if (s.name.empty() || s.name.size() > 31 || s.name.find_first_of(":\\/?*[]") != std::string::npos)
      throw Error(Errc::internal, fmt::format("sheet name '{}' is not valid in a spreadsheet", s.name));
    for (const auto& c : s.columns)
      if (c.size() != s.columns.front().size())
        throw Error(Errc::internal,
                    fmt::format("sheet {}: column {} has {} values, not {}", s.name, c.name, c.size(), s.columns.front().size()));
  }
  auto* driver = GetGDALDriverManager()->GetDriverByName("XLSX");
  if (!driver) throw Error(Errc::internal, "GDAL was built without the XLSX driver");
  const fs::path dir = path.parent_path().empty() ? fs::path(".") : path.parent_path();
  const fs::path tmp = dir / fmt::format(".{}.tmp-{}.xlsx", path.stem().string(), ::getpid());
  std::error_code ec;
  fs::remove(tmp, ec);
  try {
    detail::QuietGdal quiet;
    detail::DatasetPtr ds(driver->Create(tmp.string().c_str(), 0, 0, 0, GDT_Unknown, nullptr));
    if (!ds) throw Error(Errc::io, fmt::format("cannot create the spreadsheet: {}", detail::QuietGdal::last_message()), tmp.string());
    for (const auto& s : sheets) {
      OGRLayer* layer = ds->CreateLayer(s.name.c_str(), nullptr, wkbNone, nullptr);
      if (!layer) throw Error(Errc::io, fmt::format("cannot create sheet {}: {}", s.name, detail::QuietGdal::last_message()), tmp.string());
      for (const auto& c : s.columns) {
        OGRFieldDefn fd((c.title.empty() ? c.name : c.title).c_str(), detail::ogr_type(c.type));
        if (layer->CreateField(&fd) != OGRERR_NONE)
          throw Error(Errc::io, fmt::format("cannot create column {} of sheet {}", c.name, s.name), tmp.string());
      }
      const auto rows = s.columns.empty() ? 0 : s.columns.front().size();
      for (std::size_t i = 0; i < rows; ++i) {
        OGRFeature f(layer->GetLayerDefn());
        detail::set_row(f, s.columns, i, true);
        if (layer->CreateFeature(&f) != OGRERR_NONE)
          throw Error(Errc::io, fmt::format("cannot write row {} of sheet {}: {}", i + 1, s.name, detail::QuietGdal::last_message()),
                      tmp.string(), {}, "check the free disk space");
      }
    }
    ds.reset();  // the zip is written on close
    if (CPLGetLastErrorType() == CE_Failure && !detail::QuietGdal::last_message().empty())
      throw Error(Errc::io, fmt::format("writing the spreadsheet failed: {}", detail::QuietGdal::last_message()), tmp.string());
    fs::rename(tmp, path);
  } catch (...) {
    fs::remove(tmp, ec);
    throw;
  }
}

}  // namespace oasis::geodata
