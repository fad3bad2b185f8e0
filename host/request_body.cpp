#include "request_body.hpp"

#include "config.hpp"
#include "request_json.hpp"

namespace weir {

namespace http = boost::beast::http;

boost::json::object parse_body(const HttpRequest& request) {
  const auto type = request.find(http::field::content_type);
  if (type != request.end() && type->value().find("json") == boost::beast::string_view::npos) {
    throw ApiError(415, "unsupported_media_type",
                   "send the body as JSON with Content-Type: application/json");
  }
  auto value = parse_request_body(request.body());
  if (!value.is_object())
    throw ApiError(400, "invalid_request", "the request body must be a JSON object");
  return std::move(value.get_object());
}

bool take_read_only(boost::json::object& body) {
  const auto* v = body.if_contains("read_only");
  if (v == nullptr) return false;
  if (!v->is_bool()) throw ApiError(400, "invalid_request", "\"read_only\" must be true or false");
  const bool read_only = v->get_bool();
  body.erase("read_only");
  return read_only;
}

std::size_t take_max_rows(boost::json::object& body, std::size_t fallback) {
  const auto* v = body.if_contains("max_rows");
  if (v == nullptr) return fallback;
  if (!v->is_int64() || v->get_int64() < 1 || v->get_int64() > kMaxRowsLimit) {
    throw ApiError(400, "invalid_request",
                   "\"max_rows\" must be an integer from 1 to " + std::to_string(kMaxRowsLimit));
  }
  const auto max_rows = static_cast<std::size_t>(v->get_int64());
  body.erase("max_rows");
  return max_rows;
}

bool take_primary(boost::json::object& body) {
  const auto* v = body.if_contains("consistency");
  if (v == nullptr) return false;
  const bool primary = v->is_string() && v->get_string() == "primary";
  if (!primary && !(v->is_string() && v->get_string() == "any"))
    throw ApiError(400, "invalid_request", "\"consistency\" must be \"any\" or \"primary\"");
  body.erase("consistency");
  return primary;
}

Int64Form take_int64_form(boost::json::object& body) {
  const auto* v = body.if_contains("int64");
  if (v == nullptr) return Int64Form::kNumber;
  const auto* name = v->if_string();
  if (name == nullptr || (*name != "number" && *name != "string"))
    throw ApiError(400, "invalid_request", "\"int64\" must be \"number\" or \"string\"");
  const auto form = *name == "string" ? Int64Form::kStringBeyondDouble : Int64Form::kNumber;
  body.erase("int64");
  return form;
}

boost::json::array take_statements(boost::json::object& body, std::string_view what) {
  auto* v = body.if_contains("statements");
  if (v == nullptr || !v->is_array() || v->get_array().empty()) {
    throw ApiError(400, "invalid_request",
                   std::string(what) +
                       " needs \"statements\": a non-empty array of requests such as "
                       "{\"query\": \"...\", \"params\": [...]}");
  }
  auto statements = std::move(v->get_array());
  body.erase("statements");
  for (std::size_t i = 0; i < statements.size(); ++i) {
    if (!statements[i].is_object()) {
      ApiError e(400, "invalid_request", "statements[" + std::to_string(i) + "] must be an object");
      e.extra()["statement"] = i;
      throw e;
    }
  }
  return statements;
}

}  // namespace weir
