#include "parameters.hpp"

#include <weir/sdk/base64.hpp>
#include <weir/sdk/error.hpp>
#include <weir/sdk/json_text.hpp>

#include <boost/json.hpp>

#include <array>
#include <charconv>

namespace weir::postgres {
namespace {

using weir::sdk::Error;

constexpr Oid kByteaOid = 17;

std::string number_text(const boost::json::value& v) {
  if (v.is_int64()) return std::to_string(v.get_int64());
  if (v.is_uint64()) return std::to_string(v.get_uint64());
  std::array<char, 32> buffer{};
  const auto end = std::to_chars(buffer.data(), buffer.data() + buffer.size(), v.get_double()).ptr;
  return std::string(buffer.data(), end);
}

const boost::json::string* base64_member(const boost::json::object& o) {
  if (o.size() != 1) return nullptr;
  const auto* v = o.if_contains("$base64");
  return v != nullptr && v->is_string() ? &v->get_string() : nullptr;
}

// An element of an array literal: quoted (backslash-escaping " and \) unless NULL.
void append_array_element(std::string& out, const boost::json::value& v) {
  if (v.is_null()) {
    out += "NULL";
    return;
  }
  if (v.is_array()) {
    out += '{';
    bool first = true;
    for (const auto& e : v.get_array()) {
      if (!first) out += ',';
      first = false;
      append_array_element(out, e);
    }
    out += '}';
    return;
  }
  std::string text;
  if (v.is_string()) {
    text = v.get_string();
  } else if (v.is_bool()) {
    text = v.get_bool() ? "true" : "false";
  } else if (v.is_number()) {
    text = number_text(v);
  } else {
    text = weir::sdk::json_text(v);
  }
  out += '"';
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
}

}  // namespace

Parameters::Parameters(const boost::json::value* params) {
  if (params == nullptr || params->is_null()) return;
  if (!params->is_array()) {
    throw Error(WEIR_E_INVALID_REQUEST,
                "params must be an array of positional parameters ($1, $2, ...), got " +
                    std::string(params->is_object() ? "an object" : "a scalar"));
  }
  const auto& array = params->get_array();
  storage_.reserve(array.size());
  for (std::size_t i = 0; i < array.size(); ++i) {
    const auto& v = array[i];
    switch (v.kind()) {
      case boost::json::kind::null:
        add_null();
        break;
      case boost::json::kind::bool_:
        add_text(v.get_bool() ? "true" : "false");
        break;
      case boost::json::kind::int64:
      case boost::json::kind::uint64:
      case boost::json::kind::double_:
        add_text(number_text(v));
        break;
      case boost::json::kind::string:
        if (v.get_string().find('\0') != boost::json::string::npos) {
          throw Error(WEIR_E_INVALID_REQUEST,
                      "params[" + std::to_string(i) + "] ($" + std::to_string(i + 1) +
                          "): text cannot contain NUL characters in PostgreSQL; send binary "
                          "data as {\"$base64\": \"...\"}");
        }
        add_text(std::string(v.get_string()));
        break;
      case boost::json::kind::array: {
        std::string literal;
        append_array_element(literal, v);
        add_text(std::move(literal));
        break;
      }
      case boost::json::kind::object:
        if (const auto* b64 = base64_member(v.get_object())) {
          auto bytes = weir::sdk::base64_decode(*b64);
          if (!bytes) {
            throw Error(WEIR_E_INVALID_REQUEST, "params[" + std::to_string(i) + "] ($" +
                                                    std::to_string(i + 1) +
                                                    "): $base64 is not valid base64");
          }
          add_bytes(std::move(*bytes));
        } else {
          add_text(weir::sdk::json_text(v));
        }
        break;
    }
  }
}

void Parameters::add_null() {
  storage_.emplace_back();
  values_.push_back(nullptr);
  lengths_.push_back(0);
  formats_.push_back(0);
  types_.push_back(0);
}

void Parameters::add_text(std::string text) {
  storage_.push_back(std::move(text));
  values_.push_back(storage_.back().c_str());
  lengths_.push_back(0);
  formats_.push_back(0);
  types_.push_back(0);
}

void Parameters::add_bytes(std::string bytes) {
  storage_.push_back(std::move(bytes));
  values_.push_back(storage_.back().data());
  lengths_.push_back(static_cast<int>(storage_.back().size()));
  formats_.push_back(1);
  types_.push_back(kByteaOid);
}

}  // namespace weir::postgres
