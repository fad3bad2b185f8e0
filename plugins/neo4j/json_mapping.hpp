// PackStream values <-> weir's JSON forms (documented in
// docs/backends/neo4j.md). Results stream through the host's ValueWriter;
// parameters arrive as JSON and are converted back with the same forms:
//   {"$node": {...}}  {"$relationship": {...}}  {"$path": {...}}
//   {"$date": "2024-01-31"}  {"$time": "10:00:00+01:00"}  {"$localtime": "10:00:00"}
//   {"$datetime": "2024-01-31T10:00:00+01:00" | "2024-07-01T10:00:00+02:00[Europe/Paris]"}
//   (parameters also take "...Z[Europe/Paris]", an instant, and "...[Europe/Paris]", a wall clock)
//   {"$localdatetime": "2024-01-31T10:00:00"}  {"$duration": "P1M2DT3.000000004S"}
//   {"$point": {"srid": 4326, "x": 1.0, "y": 2.0[, "z": 3.0]}}  {"$base64": "..."} (bytes)
#pragma once

#include "packstream_value.hpp"

#include <weir/sdk/value_writer.hpp>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <string>

namespace weir::neo4j {

// Writes one value from a result. Throws Error(WEIR_E_BROKEN) for a structure
// the protocol does not define or one with the wrong fields.
void write_value(const Value& value, sdk::ValueWriter& out);

struct ParamOptions {
  // Bolt 5 carries DateTime as UTC seconds (tags 0x49/0x69) and graph
  // entities with element ids; 4.4 uses wall-clock seconds (0x46/0x66).
  bool bolt5 = true;
  // Nodes, relationships and paths are results only; the test server sets
  // this to script them as replies.
  bool graph_types = false;
};

// Converts request parameters; errors are WEIR_E_INVALID_REQUEST naming the
// parameter path, e.g. "params.when: $date must be YYYY-MM-DD".
Value value_from_json(const boost::json::value& json, const ParamOptions& options,
                      const std::string& path);
Map map_from_json(const boost::json::object& json, const ParamOptions& options,
                  const std::string& path);

}  // namespace weir::neo4j
