// weir::json_text — JSON text for what people read as well as programs.
// Boost.JSON 1.81 writes every double in scientific notation (0.58 as
// 5.8E-1, zero as 0E0); this writes the shortest decimal that reads back as
// the same double, as std::to_chars does, and everything else as Boost does.
#pragma once

#include <boost/json/value.hpp>

#include <string>

namespace weir {

std::string json_text(const boost::json::value& value);

}  // namespace weir
