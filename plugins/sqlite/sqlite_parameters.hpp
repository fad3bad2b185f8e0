// Binds a request's "params" to a prepared statement, so values never touch
// the query text: an array binds by position (?, ?1), an object by name
// (:id, @id, $id all read params.id).
#pragma once

#include <sqlite3.h>

#include <boost/json/value.hpp>

namespace weir::sqlite {

// `params` may be null (no "params" member). Throws Error(WEIR_E_INVALID_REQUEST)
// on a count mismatch, a missing or unused name, or a value that cannot be bound.
void bind_parameters(sqlite3_stmt* statement, const boost::json::value* params);

}  // namespace weir::sqlite
