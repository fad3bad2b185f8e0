// weir::sdk::json_text — the one way weir writes numbers into JSON, for the
// host's result writers, its own bodies (health, listings, MCP, logs) and the
// plugins' request bodies alike. Boost.JSON 1.81 writes every double in
// scientific notation (0.58 as 5.8E-1, zero as 0E0); here a double is the
// shortest decimal that reads back as the same double (std::to_chars), keeps
// a ".0" when it is integral (1.0 stays a floating-point value for the
// reader), and NaN and the infinities, which JSON cannot carry, become the
// strings "NaN", "Infinity" and "-Infinity" (PostgreSQL reads those back as
// float8, so the value survives a round trip). Everything else is written as
// Boost writes it. docs/types.md lists the forms.
#pragma once

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <charconv>
#include <cmath>
#include <string>

namespace weir::sdk {

inline void append_json_double(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "\"NaN\"";
    return;
  }
  if (std::isinf(value)) {
    out += value > 0 ? "\"Infinity\"" : "\"-Infinity\"";
    return;
  }
  char buffer[32];
  const auto end = std::to_chars(buffer, buffer + sizeof buffer, value).ptr;
  out.append(buffer, end);
  if (std::string_view(buffer, static_cast<std::size_t>(end - buffer)).find_first_of(".e") ==
      std::string_view::npos)
    out += ".0";
}

inline void append_json_text(std::string& out, const boost::json::value& value) {
  switch (value.kind()) {
    case boost::json::kind::double_:
      append_json_double(out, value.get_double());
      return;
    case boost::json::kind::array: {
      out += '[';
      const char* separator = "";
      for (const auto& element : value.get_array()) {
        out += separator;
        append_json_text(out, element);
        separator = ",";
      }
      out += ']';
      return;
    }
    case boost::json::kind::object: {
      out += '{';
      const char* separator = "";
      for (const auto& member : value.get_object()) {
        out += separator;
        out += boost::json::serialize(member.key());
        out += ':';
        append_json_text(out, member.value());
        separator = ",";
      }
      out += '}';
      return;
    }
    default:
      out += boost::json::serialize(value);
  }
}

inline std::string json_text(const boost::json::value& value) {
  std::string out;
  append_json_text(out, value);
  return out;
}

}  // namespace weir::sdk
