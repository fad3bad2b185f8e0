#include "csv_field.hpp"

#include <weir/sdk/error.hpp>

#include <boost/json.hpp>

#include <charconv>
#include <cmath>
#include <cstdint>

namespace weir_csv {
namespace {

template <class Number>
bool parse_whole(std::string_view text, Number& out) {
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  return error == std::errc() && end == text.data() + text.size();
}

}  // namespace

boost::json::value typed_field(std::string_view text) {
  if (text.empty()) return nullptr;
  if (text == "true") return true;
  if (text == "false") return false;
  if (std::int64_t integer = 0; parse_whole(text, integer)) return integer;
  // "inf" and "nan" parse as doubles but are words in a CSV file; JSON has no such numbers.
  if (double real = 0; parse_whole(text, real) && std::isfinite(real)) return real;
  return boost::json::string(text);
}

void write_scalar(weir::sdk::ValueWriter& out, const boost::json::value& value) {
  switch (value.kind()) {
    case boost::json::kind::null:
      return out.null();
    case boost::json::kind::bool_:
      return out.boolean(value.get_bool());
    case boost::json::kind::int64:
      return out.int64(value.get_int64());
    case boost::json::kind::double_:
      return out.float64(value.get_double());
    case boost::json::kind::string:
      return out.string(value.get_string());
    default:  // typed_field() makes no other kind
      throw weir::sdk::Error(WEIR_E_INTERNAL,
                             "a CSV field is never " + boost::json::serialize(value));
  }
}

}  // namespace weir_csv
