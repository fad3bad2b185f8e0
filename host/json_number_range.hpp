// weir::find_out_of_range_number — a JSON text's first number literal that
// does not fit what it parsed as, and where it is. Boost.JSON reads an
// integer beyond 64 bits (2^64, -2^63-1) as a double, which would silently
// become 1.8446744073709552e19, and a number beyond a double (1e400) as
// infinity, which it writes as `Infinity` (not JSON) when the value is handed
// on, to a plugin for instance. Request bodies and the config file are both
// checked here, so both refuse such a literal in the same words.
#pragma once

#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace weir {

struct OutOfRangeNumber {
  std::string path;  // where the literal is, e.g. "params[2]", "databases.main.pool.max_size"
  std::string what;  // e.g. "the number 1e999 is outside the range of a 64-bit double (...)"
};

// `parsed` is `text` as Boost.JSON (or sdk::parse_json) read it: only when it
// holds a number that may be out of range is `text` read again, so ordinary
// documents are parsed once.
std::optional<OutOfRangeNumber> find_out_of_range_number(std::string_view text,
                                                         const boost::json::value& parsed);

}  // namespace weir
