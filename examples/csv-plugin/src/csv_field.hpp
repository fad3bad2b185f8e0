// The typed value of one CSV field, so clients get numbers as numbers:
// "" -> null, "42" -> integer, "2.5" / "1e3" -> double, "true" / "false" ->
// boolean, anything else -> text.
#pragma once

#include <weir/sdk/value_writer.hpp>

#include <boost/json/value.hpp>

#include <string_view>

namespace weir_csv {

boost::json::value typed_field(std::string_view text);

// Writes a scalar produced by typed_field() through the host's writer.
void write_scalar(weir::sdk::ValueWriter& out, const boost::json::value& value);

}  // namespace weir_csv
