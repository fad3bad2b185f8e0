#include "mcp/json_rpc.hpp"

#include "json_text.hpp"

#include <weir/sdk/json_parse.hpp>

namespace weir::mcp {

namespace {

bool valid_id(const boost::json::value& id) {
  return id.is_string() || id.is_int64() || id.is_uint64();
}

}  // namespace

Message parse_message(std::string_view text) {
  boost::system::error_code ec;
  boost::json::value parsed = sdk::parse_json(text, ec);
  if (ec) throw RpcError(rpc_code::kParseError, "the message is not valid JSON: " + ec.message());
  if (parsed.is_array())
    throw RpcError(rpc_code::kInvalidRequest,
                   "batches are not supported: send one JSON-RPC message at a time");
  if (!parsed.is_object())
    throw RpcError(rpc_code::kInvalidRequest, "a JSON-RPC message must be a JSON object");
  const auto& object = parsed.get_object();

  Message message{Message::Kind::kNotification, nullptr, {}, {}};
  const auto* id = object.if_contains("id");
  if (id != nullptr) {
    if (!valid_id(*id))
      throw RpcError(rpc_code::kInvalidRequest, "\"id\" must be a string or an integer");
    message.id = *id;
  }
  const auto* version = object.if_contains("jsonrpc");
  if (version == nullptr || !version->is_string() || version->get_string() != "2.0")
    throw RpcError(rpc_code::kInvalidRequest, "\"jsonrpc\" must be \"2.0\"", message.id);

  const auto* method = object.if_contains("method");
  if (method == nullptr) {
    // An answer to a request of ours (we send none); it needs the id it answers.
    if (id != nullptr && (object.contains("result") || object.contains("error"))) {
      message.kind = Message::Kind::kResponse;
      return message;
    }
    throw RpcError(rpc_code::kInvalidRequest, "\"method\" is missing", message.id);
  }
  if (!method->is_string() || method->get_string().empty())
    throw RpcError(rpc_code::kInvalidRequest, "\"method\" must be a non-empty string", message.id);
  message.method = std::string(method->get_string());
  message.kind = id != nullptr ? Message::Kind::kRequest : Message::Kind::kNotification;

  if (const auto* params = object.if_contains("params"); params != nullptr && !params->is_null()) {
    if (!params->is_object())
      throw RpcError(rpc_code::kInvalidParams, "\"params\" must be an object", message.id);
    message.params = params->get_object();
  }
  return message;
}

std::string result_text(const boost::json::value& id, boost::json::value result) {
  return json_text(
      boost::json::object{{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}});
}

std::string error_text(const RpcError& error) {
  return json_text(boost::json::object{
      {"jsonrpc", "2.0"},
      {"id", error.id()},
      {"error", boost::json::object{{"code", error.code()}, {"message", error.what()}}}});
}

const boost::json::value& required_param(const boost::json::object& params, std::string_view key,
                                         const char* what) {
  const auto* value = params.if_contains(key);
  if (value == nullptr)
    throw RpcError(rpc_code::kInvalidParams,
                   "params." + std::string(key) + " is required: " + what);
  return *value;
}

}  // namespace weir::mcp
