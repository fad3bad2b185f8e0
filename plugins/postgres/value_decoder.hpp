// Decodes one value in PostgreSQL's text output format into a typed value
// written through the host's writer (see ValueKind for the mapping).
#pragma once

#include "type_catalog.hpp"

#include <weir/sdk/value_writer.hpp>

#include <string_view>

namespace weir::postgres {

// A scalar of `kind`.
void write_scalar(std::string_view text, ValueKind kind, weir::sdk::ValueWriter& out);

// An array literal such as {1,2,NULL} or {{"a b","c"},{d,e}}, elements of `kind`.
// Throws Error(INTERNAL) on a literal the server would never send.
void write_array(std::string_view text, ValueKind kind, weir::sdk::ValueWriter& out);

}  // namespace weir::postgres
