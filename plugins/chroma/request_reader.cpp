#include "request_reader.hpp"

namespace weir::chroma {

void RequestReader::fail(std::string_view field, std::string_view what) const {
  throw sdk::Error(WEIR_E_INVALID_REQUEST,
                   op_ + ": \"" + std::string(field) + "\" " + std::string(what));
}

void RequestReader::allow_only(std::initializer_list<std::string_view> fields) const {
  for (const auto& member : request_) {
    if (member.key() == "op") continue;
    bool known = false;
    for (const auto f : fields) known = known || member.key() == f;
    if (known) continue;
    std::string list;
    for (const auto f : fields) list += (list.empty() ? "" : ", ") + std::string(f);
    fail(member.key(), "is not a field of this operation (fields: " + list + ")");
  }
}

const boost::json::value* RequestReader::optional(std::string_view field) const {
  const auto* v = request_.if_contains(field);
  return v == nullptr || v->is_null() ? nullptr : v;
}

std::string RequestReader::required_string(std::string_view field) const {
  const auto* v = optional(field);
  if (v == nullptr || !v->is_string() || v->get_string().empty()) {
    fail(field, "is required (a non-empty string)");
  }
  return std::string(v->get_string());
}

const boost::json::array& RequestReader::required_array(std::string_view field) const {
  const auto* a = optional_array(field);
  if (a == nullptr) fail(field, "is required (an array)");
  return *a;
}

const boost::json::array* RequestReader::optional_array(std::string_view field) const {
  const auto* v = optional(field);
  if (v == nullptr) return nullptr;
  if (!v->is_array()) fail(field, "must be an array");
  return &v->get_array();
}

const boost::json::object* RequestReader::optional_object(std::string_view field) const {
  const auto* v = optional(field);
  if (v == nullptr) return nullptr;
  if (!v->is_object()) fail(field, "must be an object");
  return &v->get_object();
}

std::optional<std::int64_t> RequestReader::optional_integer(std::string_view field,
                                                            std::int64_t min) const {
  const auto* v = optional(field);
  if (v == nullptr) return std::nullopt;
  const auto range = "must be an integer of at least " + std::to_string(min);
  if (v->is_uint64() && v->get_uint64() > static_cast<std::uint64_t>(INT64_MAX)) fail(field, range);
  if (!v->is_int64() && !v->is_uint64()) fail(field, range);
  const std::int64_t n = v->to_number<std::int64_t>();
  if (n < min) fail(field, range + ", got " + std::to_string(n));
  return n;
}

bool RequestReader::boolean(std::string_view field, bool fallback) const {
  const auto* v = optional(field);
  if (v == nullptr) return fallback;
  if (!v->is_bool()) fail(field, "must be true or false");
  return v->get_bool();
}

}  // namespace weir::chroma
