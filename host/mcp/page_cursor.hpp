// weir::mcp page cursors — the `cursor` argument of query and the config
// tools (docs/mcp.md#paging). Stateless: a cursor holds where the next page
// starts and a digest of the statement it pages (database or tool, text,
// parameters), so the gateway keeps nothing between pages, and a cursor
// cannot be spent on another statement. The next page runs the statement
// again (read-only) and skips the rows already returned.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace weir::mcp {

// The cursor of the page that starts at row `offset` of `statement` (its identity as text).
std::string make_cursor(std::string_view statement, std::size_t offset);

// The row `cursor` starts at. Throws ApiError 400 invalid_arguments when it is malformed or was
// made for another statement.
std::size_t cursor_offset(std::string_view cursor, std::string_view statement);

}  // namespace weir::mcp
