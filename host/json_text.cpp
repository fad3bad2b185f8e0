#include "json_text.hpp"

#include <boost/json/serialize.hpp>

#include <charconv>
#include <cmath>

namespace weir {

namespace {

void append(std::string& out, const boost::json::value& value) {
  switch (value.kind()) {
    case boost::json::kind::double_: {
      const double d = value.get_double();
      if (!std::isfinite(d)) {
        out += "null";  // JSON has no NaN or infinity
        return;
      }
      char buffer[32];
      const auto r = std::to_chars(buffer, buffer + sizeof buffer, d);
      out.append(buffer, r.ptr);
      return;
    }
    case boost::json::kind::array: {
      out += '[';
      const char* separator = "";
      for (const auto& element : value.get_array()) {
        out += separator;
        append(out, element);
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
        append(out, member.value());
        separator = ",";
      }
      out += '}';
      return;
    }
    default:
      out += boost::json::serialize(value);
  }
}

}  // namespace

std::string json_text(const boost::json::value& value) {
  std::string out;
  append(out, value);
  return out;
}

}  // namespace weir
