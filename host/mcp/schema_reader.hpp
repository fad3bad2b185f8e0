// weir::mcp schema reading for describe_database: each backend's own catalog
// statements, run through the normal request path in one read-only
// transaction (SQLite, PostgreSQL, Neo4j) or as read-only requests (Chroma), and
// shaped into one description per backend (docs/mcp.md shows each).
#pragma once

#include "database.hpp"

#include <boost/json/object.hpp>

#include <string>

namespace weir::mcp {

// Whether weir knows how to read the schema of a `backend` database.
bool reads_schema_of(const std::string& backend);

// The schema of `database` (a DatabaseCalls::Work: runs on a worker thread, throws ApiError).
boost::json::object read_schema(Database& database, const RequestContext& context);

}  // namespace weir::mcp
