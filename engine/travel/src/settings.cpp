#include "oasis/travel/settings.hpp"

#include <fmt/format.h>

#include "oasis/core/error.hpp"

namespace oasis::travel {

Model parse_model(std::string_view name) {
  if (name == "crowfly") return Model::crowfly;
  if (name == "commune-graph") return Model::commune_graph;
  if (name == "osm") return Model::osm;
  if (name == "table") return Model::table;
  throw Error(Errc::usage, fmt::format("unknown travel model '{}'", name), {}, {},
              "choose one of crowfly, commune-graph, osm, table");
}

std::string_view model_name(Model m) noexcept {
  switch (m) {
    case Model::crowfly: return "crowfly";
    case Model::commune_graph: return "commune-graph";
    case Model::osm: return "osm";
    case Model::table: return "table";
  }
  return "?";
}

}  // namespace oasis::travel
