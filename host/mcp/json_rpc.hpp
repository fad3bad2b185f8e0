// weir::mcp JSON-RPC 2.0 framing (https://www.jsonrpc.org/specification) as
// MCP uses it: one message is one JSON object; ids are strings or integers,
// never null; params are an object. Every malformed message becomes an
// RpcError with the code the specification gives it, never a crash.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <stdexcept>
#include <string>
#include <string_view>

namespace weir::mcp {

namespace rpc_code {
constexpr int kParseError = -32700;
constexpr int kInvalidRequest = -32600;
constexpr int kMethodNotFound = -32601;
constexpr int kInvalidParams = -32602;
constexpr int kInternalError = -32603;
}  // namespace rpc_code

// A JSON-RPC error answer. `id` is the request's when it could be read, null otherwise.
class RpcError : public std::runtime_error {
 public:
  RpcError(int code, const std::string& message, boost::json::value id = nullptr)
      : std::runtime_error(message), code_(code), id_(std::move(id)) {}
  int code() const noexcept { return code_; }
  const boost::json::value& id() const noexcept { return id_; }
  RpcError with_id(const boost::json::value& id) const { return RpcError(code_, what(), id); }

 private:
  int code_;
  boost::json::value id_;
};

struct Message {
  enum class Kind { kRequest, kNotification, kResponse };
  Kind kind;
  boost::json::value id;  // a request's (string or integer); null for a notification
  std::string method;
  boost::json::object params;  // empty when the message has none
};

// Reads one message; throws RpcError: -32700 for text that is not JSON,
// -32600 for JSON that is not a JSON-RPC 2.0 message (a batch included: MCP
// 2025-06-18 removed them), -32602 for params that are not an object.
Message parse_message(std::string_view text);

// The answers, as the text of one message.
std::string result_text(const boost::json::value& id, boost::json::value result);
std::string error_text(const RpcError& error);

// `params[key]` as the type a method needs; throws -32602 naming the key when it is absent
// or of another type (`what` says what it must be).
const boost::json::value& required_param(const boost::json::object& params, std::string_view key,
                                         const char* what);

}  // namespace weir::mcp
