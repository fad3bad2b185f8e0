// weir::Int64Form — how a result's int64 values are written, chosen per
// request with the member "int64" (docs/types.md).
#pragma once

namespace weir {

// kNumber: JSON numbers, exact to the last digit (the default).
// kStringBeyondDouble ("int64": "string"): for clients whose JSON numbers are
// doubles (JavaScript), a value a double cannot hold exactly (beyond
// ±(2^53 - 1)) is a string of its decimal digits; smaller ones stay numbers,
// so counts and everyday values read as before and every number is exact.
enum class Int64Form { kNumber, kStringBeyondDouble };

}  // namespace weir
