#include "sqlite_parameters.hpp"

#include "sqlite_result_codes.hpp"

#include <weir/sdk/base64.hpp>
#include <weir/sdk/error.hpp>

#include <boost/json.hpp>

#include <array>
#include <cstdint>
#include <string>

namespace weir::sqlite {
namespace {

using weir::sdk::Error;

[[noreturn]] void refuse(const std::string& message) {
  throw Error(WEIR_E_INVALID_REQUEST, message);
}

std::string plural(int n) { return std::to_string(n) + (n == 1 ? " parameter" : " parameters"); }

// Bytes travel in JSON as {"$base64": "..."}.
std::string decode_bytes(const boost::json::object& object, const std::string& label) {
  const auto* encoded = object.if_contains("$base64");
  if (object.size() != 1 || encoded == nullptr || !encoded->is_string()) {
    refuse(label + ": objects and arrays cannot be bound; send bytes as {\"$base64\": \"...\"}");
  }
  auto bytes = weir::sdk::base64_decode(encoded->get_string());
  if (!bytes) refuse(label + ": $base64 is not valid base64");
  return std::move(*bytes);
}

void bind_value(sqlite3_stmt* statement, int index, const boost::json::value& value,
                const std::string& label) {
  int rc = SQLITE_OK;
  switch (value.kind()) {
    case boost::json::kind::null:
      rc = sqlite3_bind_null(statement, index);
      break;
    case boost::json::kind::bool_:
      rc = sqlite3_bind_int64(statement, index, value.get_bool() ? 1 : 0);
      break;
    case boost::json::kind::int64:
      rc = sqlite3_bind_int64(statement, index, value.get_int64());
      break;
    case boost::json::kind::uint64:
      if (value.get_uint64() > static_cast<std::uint64_t>(INT64_MAX)) {
        refuse(label + ": integer " + std::to_string(value.get_uint64()) +
               " is outside SQLite's signed 64-bit range");
      }
      rc = sqlite3_bind_int64(statement, index, static_cast<sqlite3_int64>(value.get_uint64()));
      break;
    case boost::json::kind::double_:
      rc = sqlite3_bind_double(statement, index, value.get_double());
      break;
    case boost::json::kind::string: {
      const auto& text = value.get_string();
      rc = sqlite3_bind_text64(statement, index, text.data(), text.size(), SQLITE_TRANSIENT,
                               SQLITE_UTF8);
      break;
    }
    case boost::json::kind::object: {
      const std::string bytes = decode_bytes(value.get_object(), label);
      rc = sqlite3_bind_blob64(statement, index, bytes.data(), bytes.size(), SQLITE_TRANSIENT);
      break;
    }
    case boost::json::kind::array:
      refuse(label + ": objects and arrays cannot be bound; send bytes as {\"$base64\": \"...\"}");
  }
  if (rc != SQLITE_OK) throw sqlite_error(rc, label + ": " + sqlite3_errstr(rc));
}

void bind_positional(sqlite3_stmt* statement, const boost::json::array& values, int expected) {
  if (static_cast<int>(values.size()) != expected) {
    refuse("query expects " + plural(expected) + ", got " +
           plural(static_cast<int>(values.size())));
  }
  for (int i = 0; i < expected; ++i) {
    bind_value(statement, i + 1, values[static_cast<std::size_t>(i)],
               "params[" + std::to_string(i) + "]");
  }
}

bool names_a_parameter(sqlite3_stmt* statement, const std::string& key) {
  static constexpr std::array kPrefixes{':', '@', '$'};
  for (const char prefix : kPrefixes) {
    if (sqlite3_bind_parameter_index(statement, (prefix + key).c_str()) > 0) return true;
  }
  return false;
}

void bind_named(sqlite3_stmt* statement, const boost::json::object& values, int expected) {
  for (int index = 1; index <= expected; ++index) {
    const char* name = sqlite3_bind_parameter_name(statement, index);
    if (name == nullptr || name[0] == '?') {
      refuse("query uses positional parameters (?); send params as an array");
    }
    const auto* value = values.if_contains(name + 1);
    if (value == nullptr) refuse("params has no value for parameter " + std::string(name));
    bind_value(statement, index, *value, "params." + std::string(name + 1));
  }
  // A key no parameter reads is almost always a typo in the name.
  for (const auto& member : values) {
    const std::string key(member.key());
    if (!names_a_parameter(statement, key)) {
      refuse("params." + key + " matches no parameter in the query");
    }
  }
}

}  // namespace

void bind_parameters(sqlite3_stmt* statement, const boost::json::value* params) {
  const int expected = sqlite3_bind_parameter_count(statement);
  if (params == nullptr || params->is_null()) {
    if (expected > 0) refuse("query expects " + plural(expected) + ", got none");
    return;
  }
  if (const auto* array = params->if_array()) return bind_positional(statement, *array, expected);
  if (const auto* object = params->if_object()) return bind_named(statement, *object, expected);
  refuse("params must be an array (positional) or an object (named)");
}

}  // namespace weir::sqlite
