#pragma once
// A car road graph from an OpenStreetMap extract (.osm.pbf, or .osm XML), read with libosmium.
#include <cstddef>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "oasis/core/progress.hpp"
#include "oasis/travel/graph.hpp"

namespace oasis::geodata {

/// Speeds (km/h) by `highway` value, close to OSRM's car profile defaults; ways of other types
/// (footway, cycleway, track, path, steps...) are not driven. See docs/travel-osm.md.
const std::map<std::string, double>& osm_car_speeds();

struct RoadGraph {
  travel::Graph graph;           // nodes of the largest strongly connected component only
  std::vector<double> lon, lat;  // node coordinates (WGS84)
  std::size_t ways = 0;          // car ways read
  std::size_t nodes_read = 0;    // graph nodes before keeping the largest component
  std::size_t oneway_ways = 0;
};

/// Throws Error(io) for a missing file, Error(format) for a corrupt one, Error(empty_input) when
/// it holds no car-accessible way.
RoadGraph read_osm_roads(const std::filesystem::path& pbf, const ProgressFn& progress = {});

}  // namespace oasis::geodata
