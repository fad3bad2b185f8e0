// The readers of weir/sdk_c.h: ConfigReader's checks and messages behind a C
// face, with the status of the document being read.
#include "json_document.hpp"

#include <weir/sdk_c.h>
#include <weir/sdk/plugin_export.hpp>
#include <weir/sdk/workspace_path.hpp>

#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace {

using weir::sdk::ConfigReader;
using weir::sdk::Error;

// Runs a read; a failure becomes the document's status and a filled `error`.
template <class Body>
weir_status reading(const weir_sdk_json* node, weir_error* error, Body&& body) noexcept {
  return weir::sdk::detail::guarded(error, [&] {
    try {
      body();
    } catch (const Error& e) {
      if (e.status() != WEIR_E_INVALID_CONFIG) throw;
      throw Error(node->document->invalid(), e.message());
    }
  });
}

[[noreturn]] void fail(const weir_sdk_json* node, const std::string& field,
                       const std::string& what) {
  throw Error(node->document->invalid(), field + ": " + what);
}

ConfigReader reader_of(const weir_sdk_json* node) {
  if (node->object == nullptr) fail(node, node->path, "is an array; read its members by index");
  return ConfigReader(*node->object, node->path);
}

// A string the caller may keep as a C string: no NUL inside it.
const char* c_string(const weir_sdk_json* node, const boost::json::string& text,
                     const std::string& field) {
  if (std::memchr(text.data(), '\0', text.size()) != nullptr) {
    fail(node, field, "must not contain a NUL character (\\u0000)");
  }
  return text.c_str();
}

// The string member `key`, or `fallback` when absent; required when `fallback` is NULL.
const char* string_member(const weir_sdk_json* node, const char* key, const char* fallback) {
  const ConfigReader reader = reader_of(node);
  if (fallback == nullptr) reader.required_string(key);
  if (!reader.optional_string(key)) return fallback;
  return c_string(node, node->object->at(key).get_string(), reader.field(key));
}

}  // namespace

extern "C" {

weir_status weir_sdk_read_string(const weir_sdk_json* object, const char* key, const char* fallback,
                                 const char** out, weir_error* error) {
  return reading(object, error, [&] { *out = string_member(object, key, fallback); });
}

weir_status weir_sdk_read_int(const weir_sdk_json* object, const char* key, int64_t fallback,
                              int64_t min, int64_t max, int64_t* out, weir_error* error) {
  return reading(object, error, [&] { *out = reader_of(object).integer(key, fallback, min, max); });
}

weir_status weir_sdk_read_bool(const weir_sdk_json* object, const char* key, int fallback, int* out,
                               weir_error* error) {
  return reading(object, error,
                 [&] { *out = reader_of(object).boolean(key, fallback != 0) ? 1 : 0; });
}

weir_status weir_sdk_read_path(const weir_sdk_json* object, const char* key, const char* fallback,
                               const char** out, weir_error* error) {
  return reading(object, error, [&] {
    const std::string configured = string_member(object, key, fallback);
    auto* document = object->document;
    *out = document->keep(weir::sdk::resolve_workspace_path(document->data_dir(), configured,
                                                            reader_of(object).field(key))
                              .string());
  });
}

weir_status weir_sdk_read_object(const weir_sdk_json* object, const char* key,
                                 const weir_sdk_json** out, weir_error* error) {
  return reading(object, error, [&] {
    const ConfigReader child = reader_of(object).child(key);
    *out = object->document->add(&child.object(), nullptr, child.path());
  });
}

weir_status weir_sdk_read_array(const weir_sdk_json* object, const char* key,
                                const weir_sdk_json** out, weir_error* error) {
  return reading(object, error, [&] {
    static const boost::json::array empty;
    const ConfigReader reader = reader_of(object);
    const auto* value = object->object->if_contains(key);
    const boost::json::array* array = &empty;
    if (value != nullptr && !value->is_null()) {
      if (!value->is_array())
        reader.fail(key, "must be an array, got " + ConfigReader::describe(*value));
      array = &value->get_array();
    }
    *out = object->document->add(nullptr, array, reader.field(key));
  });
}

size_t weir_sdk_json_size(const weir_sdk_json* value) {
  if (value->object != nullptr) return value->object->size();
  return value->array != nullptr ? value->array->size() : 0;
}

weir_status weir_sdk_read_string_at(const weir_sdk_json* array, size_t index, const char** out,
                                    weir_error* error) {
  return reading(array, error, [&] {
    const std::string field = array->path + "[" + std::to_string(index) + "]";
    if (array->array == nullptr) fail(array, array->path, "is an object; read its members by key");
    if (index >= array->array->size()) {
      fail(array, field,
           "is missing (the array has " + std::to_string(array->array->size()) + " elements)");
    }
    const auto& element = (*array->array)[index];
    if (!element.is_string())
      fail(array, field, "must be a string, got " + ConfigReader::describe(element));
    *out = c_string(array, element.get_string(), field);
  });
}

weir_status weir_sdk_allow_only(const weir_sdk_json* object, const char* const* keys,
                                weir_error* error) {
  return reading(object, error, [&] {
    std::vector<std::string_view> allowed;
    for (; *keys != nullptr; ++keys) allowed.emplace_back(*keys);
    reader_of(object).allow_only(allowed);
  });
}

weir_status weir_sdk_invalid(const weir_sdk_json* object, const char* key, const char* what,
                             weir_error* error) {
  return reading(object, error, [&] {
    fail(object, key != nullptr ? object->path + "." + key : object->path, what);
  });
}

}  // extern "C"
