// A minimal MCP client over Streamable HTTP for the tests: one POST per
// message, the session id kept from initialize, every reply returned whole
// so tests assert exactly what a client sees.
#pragma once

#include "http_client.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <map>
#include <string>

namespace weir::testing {

class McpClient {
 public:
  explicit McpClient(std::uint16_t port, std::string token = {})
      : port_(port), token_(std::move(token)) {}

  // POSTs `body` to /mcp with the session (once there is one), the token and `extra` headers.
  HttpReply post(const std::string& body, const std::map<std::string, std::string>& extra = {}) {
    return send(boost::beast::http::verb::post, body, extra);
  }
  HttpReply send(boost::beast::http::verb method, const std::string& body,
                 const std::map<std::string, std::string>& extra = {}) {
    std::map<std::string, std::string> headers{{"content-type", "application/json"},
                                               {"accept", "application/json, text/event-stream"}};
    if (!session_.empty()) headers["mcp-session-id"] = session_;
    if (!token_.empty()) headers["authorization"] = "Bearer " + token_;
    for (const auto& [name, value] : extra) headers[name] = value;
    return http_call(port_, method, "/mcp", body, headers);
  }

  // initialize; keeps the session id. Returns the reply.
  HttpReply initialize(const std::string& version = "2025-11-25") {
    auto reply =
        post(request("initialize", {{"protocolVersion", version},
                                    {"capabilities", boost::json::object{}},
                                    {"clientInfo", {{"name", "test"}, {"version", "1"}}}}));
    session_ = reply.headers["mcp-session-id"];
    post(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
    return reply;
  }

  // A request's whole answer (the JSON-RPC message).
  boost::json::object call(const std::string& method, boost::json::object params = {}) {
    const auto reply = post(request(method, std::move(params)));
    return boost::json::parse(reply.body).as_object();
  }
  // tools/call's result (content, structuredContent, isError).
  boost::json::object tool(const std::string& name, boost::json::object arguments = {}) {
    auto answer = call("tools/call", {{"name", name}, {"arguments", std::move(arguments)}});
    return answer.at("result").as_object();
  }
  // The error body (weir's) of a tool result with isError.
  static boost::json::object tool_error(const boost::json::object& result) {
    return boost::json::parse(result.at("content").at(0).at("text").as_string())
        .at("error")
        .as_object();
  }

  std::string request(const std::string& method, boost::json::object params) {
    return boost::json::serialize(boost::json::object{
        {"jsonrpc", "2.0"}, {"id", ++next_id_}, {"method", method}, {"params", std::move(params)}});
  }

  const std::string& session() const noexcept { return session_; }
  void set_session(std::string session) { session_ = std::move(session); }

 private:
  std::uint16_t port_;
  std::string token_;
  std::string session_;
  std::int64_t next_id_ = 0;
};

// A call whose arguments the tool refuses before anything reaches a backend.
struct ArgumentCase {
  const char* tool;
  const char* arguments;  // JSON text
  const char* message;    // of the tool error invalid_arguments
};

inline void expect_argument_errors(McpClient& client, std::initializer_list<ArgumentCase> cases) {
  for (const auto& c : cases) {
    const auto result = client.tool(c.tool, boost::json::parse(c.arguments).as_object());
    ASSERT_EQ(result.at("isError"), true) << c.arguments;
    const auto error = McpClient::tool_error(result);
    EXPECT_EQ(error.at("code"), "invalid_arguments") << c.arguments;
    EXPECT_EQ(error.at("message"), c.message) << c.arguments;
  }
}

}  // namespace weir::testing
