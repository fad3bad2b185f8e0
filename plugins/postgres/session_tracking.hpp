// Decides whether a statement may leave session-level state behind (settings,
// temporary objects, prepared statements, cursors, listeners, advisory locks),
// so release can skip DISCARD ALL after plain reads and writes.
//
// Conservative and lexical: a statement counts as clean only when it starts
// with a plain DML/query/transaction-control keyword and mentions none of the
// functions known to change the session. A user-defined function that changes
// session state from inside a plain SELECT is not seen: use "reset": "always"
// for databases that have such functions.
#pragma once

#include <string_view>

namespace weir::postgres {

bool may_touch_session(std::string_view sql);

}  // namespace weir::postgres
