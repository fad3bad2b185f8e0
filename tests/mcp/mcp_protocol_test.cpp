// MCP's JSON-RPC framing, lifecycle and Streamable HTTP transport at /mcp,
// against a real gateway on SQLite: every malformed message gets its
// JSON-RPC error code, every transport refusal its HTTP status.
#include "api.hpp"
#include "gateway.hpp"
#include "gateway_fixture.hpp"
#include "mcp/http_front.hpp"
#include "mcp/stdio_front.hpp"
#include "mcp_client.hpp"

#include <gtest/gtest.h>

#include <unistd.h>
#include <ext/stdio_filebuf.h>

#include <future>
#include <sstream>
#include <system_error>
#include <thread>

namespace weir {
namespace {

using boost::json::object;
using boost::json::parse;
using testing::McpClient;
namespace http = boost::beast::http;

object sqlite_config() {
  return {{"databases", {{"app", {{"backend", "sqlite"}, {"connection", {{"path", "app.db"}}}}}}}};
}

// The JSON-RPC error of a reply: {"code", "message"}, and its id.
struct RpcFailure {
  std::int64_t code;
  std::string message;
  boost::json::value id;
};
RpcFailure failure(const std::string& body) {
  const auto answer = parse(body).as_object();
  EXPECT_EQ(answer.at("jsonrpc"), "2.0") << body;
  const auto& error = answer.at("error").as_object();
  return {error.at("code").as_int64(), std::string(error.at("message").as_string()),
          answer.at("id")};
}

class McpProtocol : public ::testing::Test {
 protected:
  testing::RunningGateway gateway{sqlite_config()};
  McpClient client{gateway.port()};
};

TEST_F(McpProtocol, InitializeNegotiatesTheRevisionAndOpensASession) {
  for (const char* version : {"2025-11-25", "2025-06-18", "2025-03-26"}) {
    McpClient fresh(gateway.port());
    const auto reply = fresh.initialize(version);
    ASSERT_EQ(reply.status, 200u) << reply.body;
    EXPECT_EQ(reply.headers.at("content-type"), "application/json");
    const auto result = parse(reply.body).at("result").as_object();
    EXPECT_EQ(result.at("protocolVersion"), version);
    EXPECT_EQ(result.at("serverInfo").at("name"), "weir");
    EXPECT_EQ(result.at("capabilities"), parse(R"({"tools":{"listChanged":true}})"));
    EXPECT_EQ(fresh.session().size(), 32u);  // 128 random bits, hex
  }
  // A revision weir does not speak: weir answers with its latest; the client decides.
  McpClient older(gateway.port());
  const auto reply = older.initialize("2024-11-05");
  EXPECT_EQ(parse(reply.body).at("result").at("protocolVersion"), "2025-11-25");
  // Each initialize opens its own session.
  McpClient other(gateway.port());
  other.initialize();
  EXPECT_NE(other.session(), older.session());
}

TEST_F(McpProtocol, InitializeWithoutAProtocolVersionIsInvalidParams) {
  const auto reply = client.post(R"({"jsonrpc":"2.0","id":7,"method":"initialize","params":{}})");
  EXPECT_EQ(reply.status, 200u);
  const auto f = failure(reply.body);
  EXPECT_EQ(f.code, -32602);
  EXPECT_EQ(f.message, "params.protocolVersion is required: the client's latest revision");
  EXPECT_EQ(f.id, 7);
  EXPECT_EQ(reply.headers.count("mcp-session-id"), 0u);  // no session for a failed initialize
}

TEST_F(McpProtocol, MalformedMessagesGetTheirJsonRpcCodes) {
  client.initialize();
  struct Case {
    const char* body;
    unsigned status;
    std::int64_t code;
    const char* message;
    boost::json::value id;
  };
  const Case cases[] = {
      {"{not json", 400, -32700, "the message is not valid JSON: syntax error", nullptr},
      {"", 400, -32700, "the message is not valid JSON: incomplete JSON", nullptr},
      {R"([{"jsonrpc":"2.0","id":1,"method":"ping"}])", 400, -32600,
       "batches are not supported: send one JSON-RPC message at a time", nullptr},
      {"42", 400, -32600, "a JSON-RPC message must be a JSON object", nullptr},
      {R"({"id":1,"method":"ping"})", 400, -32600, "\"jsonrpc\" must be \"2.0\"", 1},
      {R"({"jsonrpc":"1.0","id":"a","method":"ping"})", 400, -32600, "\"jsonrpc\" must be \"2.0\"",
       "a"},
      {R"({"jsonrpc":"2.0","id":null,"method":"ping"})", 400, -32600,
       "\"id\" must be a string or an integer", nullptr},
      {R"({"jsonrpc":"2.0","id":1.5,"method":"ping"})", 400, -32600,
       "\"id\" must be a string or an integer", nullptr},
      {R"({"jsonrpc":"2.0","id":2,"method":5})", 400, -32600,
       "\"method\" must be a non-empty string", 2},
      {R"({"jsonrpc":"2.0","id":3})", 400, -32600, "\"method\" is missing", 3},
      {R"({"jsonrpc":"2.0","id":4,"method":"tools/list","params":[1]})", 400, -32602,
       "\"params\" must be an object", 4},
      {R"({"jsonrpc":"2.0","id":5,"method":"resources/list"})", 200, -32601,
       "method \"resources/list\" is not supported", 5},
      {R"({"jsonrpc":"2.0","id":6,"method":"tools/call","params":{}})", 200, -32602,
       "params.name is required: the tool to call", 6},
      {R"({"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":3}})", 200, -32602,
       "params.name must be a string", 7},
      {R"({"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"query","arguments":[]}})",
       200, -32602, "params.arguments must be an object", 8},
      {R"({"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"drop_everything"}})", 200,
       -32602, "unknown tool \"drop_everything\"", 9},
      {R"({"jsonrpc":"2.0","id":"x","method":"initialize","params":{"protocolVersion":1}})", 200,
       -32602, "params.protocolVersion must be a string", "x"},
  };
  for (const auto& c : cases) {
    const auto reply = client.post(c.body);
    EXPECT_EQ(reply.status, c.status) << c.body << " -> " << reply.body;
    const auto f = failure(reply.body);
    EXPECT_EQ(f.code, c.code) << c.body;
    EXPECT_EQ(f.message, c.message) << c.body;
    EXPECT_EQ(f.id, c.id) << c.body;
  }
  // The session survived all of it.
  EXPECT_EQ(client.call("ping").at("result"), object{});
}

TEST_F(McpProtocol, NotificationsAndResponsesAreAcceptedWithoutAnAnswer) {
  client.initialize();
  for (const char* body :
       {R"({"jsonrpc":"2.0","method":"notifications/initialized"})",
        R"({"jsonrpc":"2.0","method":"notifications/whatever","params":{}})",
        R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":99}})",
        R"({"jsonrpc":"2.0","id":1,"result":{}})"}) {
    const auto reply = client.post(body);
    EXPECT_EQ(reply.status, 202u) << body;
    EXPECT_EQ(reply.body, "") << body;
  }
}

TEST_F(McpProtocol, RequestsNeedTheSessionThatInitializeOpened) {
  // No session header at all: 400.
  auto reply = client.post(client.request("tools/list", {}));
  EXPECT_EQ(reply.status, 400u);
  EXPECT_EQ(reply.headers.at("x-weir-error"), "mcp_session_required");
  auto f = failure(reply.body);
  EXPECT_EQ(f.code, -32000);
  EXPECT_EQ(f.message, "send the Mcp-Session-Id header that initialize answered with");
  EXPECT_TRUE(f.id.is_null());
  // A session weir never issued: 404, so the client starts a new one.
  client.set_session("0123456789abcdef0123456789abcdef");
  reply = client.post(client.request("tools/list", {}));
  EXPECT_EQ(reply.status, 404u);
  EXPECT_EQ(reply.headers.at("x-weir-error"), "mcp_session_not_found");
  EXPECT_EQ(failure(reply.body).message,
            "no such MCP session: it ended, or was never opened; initialize anew");
  // DELETE ends a session; afterwards it is unknown.
  client.set_session("");
  client.initialize();
  EXPECT_EQ(client.call("tools/list").at("result").at("tools").as_array().size(), 3u);
  reply = client.send(http::verb::delete_, "");
  EXPECT_EQ(reply.status, 204u);
  EXPECT_EQ(client.post(client.request("tools/list", {})).status, 404u);
  EXPECT_EQ(client.send(http::verb::delete_, "").status, 404u);
}

TEST_F(McpProtocol, OtherMethodsAre405WithAllow) {
  const auto reply = testing::http_call(gateway.port(), http::verb::put, "/mcp");
  EXPECT_EQ(reply.status, 405u);
  EXPECT_EQ(reply.error_code(), "method_not_allowed");
  EXPECT_EQ(reply.json().at("error").at("allow"), "POST, DELETE, GET");
  EXPECT_EQ(reply.headers.at("allow"), "POST, DELETE, GET");  // RFC 9110 requires it on a 405
}

TEST_F(McpProtocol, TheServerStreamNeedsEventStreamAndASession) {
  auto reply = client.send(http::verb::get, "", {{"accept", "application/json"}});
  EXPECT_EQ(reply.status, 406u);
  EXPECT_EQ(failure(reply.body).message,
            "GET /mcp opens the server stream: send Accept: text/event-stream");
  reply = client.send(http::verb::get, "", {{"accept", "text/event-stream"}});
  EXPECT_EQ(reply.status, 400u);
  EXPECT_EQ(reply.headers.at("x-weir-error"), "mcp_session_required");
  client.set_session("0123456789abcdef0123456789abcdef");
  reply = client.send(http::verb::get, "", {{"accept", "text/event-stream"}});
  EXPECT_EQ(reply.status, 404u);
  EXPECT_EQ(reply.headers.at("x-weir-error"), "mcp_session_not_found");
}

TEST_F(McpProtocol, OnlyJsonIsAccepted) {
  client.initialize();
  const auto reply = client.post(client.request("ping", {}), {{"content-type", "text/plain"}});
  EXPECT_EQ(reply.status, 415u);
  EXPECT_EQ(failure(reply.body).message,
            "send one JSON-RPC message with Content-Type: application/json");
}

TEST_F(McpProtocol, AnUnsupportedProtocolVersionHeaderIs400) {
  client.initialize();
  EXPECT_EQ(
      client.post(client.request("ping", {}), {{"mcp-protocol-version", "2025-06-18"}}).status,
      200u);
  const auto reply =
      client.post(client.request("ping", {}), {{"mcp-protocol-version", "2024-10-07"}});
  EXPECT_EQ(reply.status, 400u);
  EXPECT_EQ(reply.headers.at("x-weir-error"), "unsupported_protocol_version");
}

TEST(McpOrigin, BrowsersFromOtherOriginsAreRefused) {
  auto config = sqlite_config();
  config["mcp"] = {{"allowed_origins", {"https://app.example.com"}}};
  testing::RunningGateway gateway(config);
  for (const char* origin : {"http://localhost:5173", "http://127.0.0.1", "https://[::1]:8443",
                             "https://app.example.com"}) {
    McpClient client(gateway.port());
    EXPECT_EQ(client
                  .post(client.request("initialize", {{"protocolVersion", "2025-11-25"}}),
                        {{"origin", origin}})
                  .status,
              200u)
        << origin;
  }
  for (const char* origin : {"http://evil.example", "http://localhost.evil.example", "null",
                             "https://app.example.com:444", "http://[::1]evil"}) {
    McpClient client(gateway.port());
    const auto reply = client.post(
        client.request("initialize", {{"protocolVersion", "2025-11-25"}}), {{"origin", origin}});
    EXPECT_EQ(reply.status, 403u) << origin;
    EXPECT_EQ(reply.headers.at("x-weir-error"), "forbidden_origin");
    EXPECT_EQ(
        failure(reply.body).message,
        "origin " + std::string(origin) + " may not call /mcp (allow it in mcp.allowed_origins)");
  }
}

// The stdio transport keeps the lifecycle itself (there is no session header): only ping
// before initialize, one initialize, and a line longer than the body limit is refused whole.
TEST(McpStdio, OneMessagePerLineInOrderOfTheLifecycle) {
  auto config = sqlite_config();
  config["limits"] = {{"max_body_bytes", 256}};
  testing::RunningGateway gateway(config);
  std::istringstream in(
      R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})"
      "\n"
      R"({"jsonrpc":"2.0","id":2,"method":"ping"})"
      "\r\n\n   \n"
      R"({"jsonrpc":"2.0","id":3,"method":"initialize","params":{"protocolVersion":"2025-06-18"}})"
      "\n"
      R"({"jsonrpc":"2.0","method":"notifications/initialized"})"
      "\n"
      R"({"jsonrpc":"2.0","id":4,"method":"initialize","params":{"protocolVersion":"2025-06-18"}})"
      "\n" +
      std::string(300, 'x') + "\n" +
      R"({"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"list_databases"}})");
  std::ostringstream out;
  mcp::serve_stdio(gateway.api().mcp_server(), in, out, {256, std::chrono::seconds(5)});
  std::vector<boost::json::value> answers;
  std::istringstream lines(out.str());
  for (std::string line; std::getline(lines, line);) answers.push_back(parse(line));
  ASSERT_EQ(answers.size(), 6u) << out.str();
  EXPECT_EQ(answers[0], parse(R"J({"jsonrpc":"2.0","id":1,"error":{"code":-32600,
    "message":"the session is not initialized: send \"initialize\" first"}})J"));
  EXPECT_EQ(answers[1], parse(R"J({"jsonrpc":"2.0","id":2,"result":{}})J"));
  EXPECT_EQ(answers[2].at("result").at("protocolVersion"), "2025-06-18");
  EXPECT_EQ(answers[3], parse(R"J({"jsonrpc":"2.0","id":4,"error":{"code":-32600,
    "message":"the session is already initialized"}})J"));
  EXPECT_EQ(answers[4], parse(R"J({"jsonrpc":"2.0","id":null,"error":{"code":-32600,
    "message":"the message is larger than limits.max_body_bytes (256 bytes)"}})J"));
  EXPECT_EQ(answers[5].at("id"), 5);
  EXPECT_EQ(answers[5].at("result").at("isError"), false);
}

// A reload that changes a session's tools sends it notifications/tools/list_changed: on
// HTTP through its server stream (GET /mcp), answered whole as soon as there is one (or kept
// for the next GET), on stdio as a line of its own. One that changes nothing sends nothing.
constexpr const char* kListChanged =
    R"({"jsonrpc":"2.0","method":"notifications/tools/list_changed"})";

object with_tool(const char* name) {
  auto config = sqlite_config();
  config["mcp"] = {
      {"tools",
       {{name, {{"description", "one"}, {"database", "app"}, {"statement", "select 1"}}}}}};
  return config;
}

TEST(McpListChanged, AReloadThatChangesTheToolsIsSentOnTheServerStream) {
  testing::RunningGateway gateway(sqlite_config());
  McpClient client(gateway.port());
  client.initialize();
  const auto stream = [&] {
    return std::async(std::launch::async, [&client] {
      return client.send(http::verb::get, "", {{"accept", "text/event-stream"}});
    });
  };
  const std::string notified =
      "retry: 500\n\nevent: message\ndata: " + std::string(kListChanged) + "\n\n";

  auto waiting = stream();
  gateway.set_reload_config(with_tool("one"));
  gateway.gateway().reload();
  auto reply = waiting.get();
  EXPECT_EQ(reply.status, 200u);
  EXPECT_EQ(reply.headers.at("content-type"), "text/event-stream");
  EXPECT_EQ(reply.body, notified);

  // No stream open: the next GET gets it at once.
  gateway.set_reload_config(with_tool("two"));
  gateway.gateway().reload();
  EXPECT_EQ(stream().get().body, notified);

  // The same tools again: nothing is sent; the stream waits until the session ends.
  waiting = stream();
  gateway.gateway().reload();
  EXPECT_EQ(waiting.wait_for(std::chrono::milliseconds(300)), std::future_status::timeout);
  EXPECT_EQ(client.send(http::verb::delete_, "").status, 204u);
  reply = waiting.get();
  EXPECT_EQ(reply.status, 200u);
  EXPECT_EQ(reply.body, "retry: 500\n\n");
}

TEST(McpListChanged, StoppingTheGatewayEndsTheStreams) {
  testing::RunningGateway gateway(sqlite_config());
  McpClient client(gateway.port());
  client.initialize();
  auto waiting = std::async(std::launch::async, [&client] {
    return client.send(http::verb::get, "", {{"accept", "text/event-stream"}});
  });
  EXPECT_EQ(waiting.wait_for(std::chrono::milliseconds(300)), std::future_status::timeout);
  gateway.api().end_mcp_streams();
  EXPECT_EQ(waiting.get().body, "retry: 500\n\n");
  // While stopping, a new stream ends at once.
  EXPECT_EQ(client.send(http::verb::get, "", {{"accept", "text/event-stream"}}).body,
            "retry: 500\n\n");
}

// An agent's open stream must not take its token's last slot: GET is outside client limits.
TEST(McpListChanged, TheServerStreamIsOutsideTheClientLimits) {
  auto config = sqlite_config();
  config["auth"] = {{"tokens",
                     {{{"name", "agent"},
                       {"token", "agent-secret-0123456789"},
                       {"databases", {"*"}},
                       {"max_concurrent", 1}}}}};
  testing::RunningGateway gateway(config);
  McpClient client(gateway.port(), "agent-secret-0123456789");
  client.initialize();
  auto waiting = std::async(std::launch::async, [&client] {
    return client.send(http::verb::get, "", {{"accept", "text/event-stream"}});
  });
  EXPECT_EQ(waiting.wait_for(std::chrono::milliseconds(300)), std::future_status::timeout);
  const auto ping = client.post(client.request("ping", {}));
  EXPECT_EQ(ping.status, 200u) << ping.body;  // not 429
  gateway.api().end_mcp_streams();
  EXPECT_EQ(waiting.get().status, 200u);
}

TEST(McpListChanged, AReloadThatChangesTheToolsIsALineOnStdio) {
  testing::RunningGateway gateway(sqlite_config());
  int to_weir[2];
  int from_weir[2];
  ASSERT_EQ(pipe(to_weir), 0);
  ASSERT_EQ(pipe(from_weir), 0);
  std::thread serving([&] {
    __gnu_cxx::stdio_filebuf<char> in_buffer(to_weir[0], std::ios::in);
    __gnu_cxx::stdio_filebuf<char> out_buffer(from_weir[1], std::ios::out);
    std::istream in(&in_buffer);
    std::ostream out(&out_buffer);
    mcp::serve_stdio(gateway.api().mcp_server(), in, out, {4096, std::chrono::seconds(5)});
  });  // the buffers close their descriptors
  __gnu_cxx::stdio_filebuf<char> answers_buffer(from_weir[0], std::ios::in);
  std::istream answers(&answers_buffer);
  const auto send = [&](const std::string& line) {
    const auto text = line + "\n";
    ASSERT_EQ(write(to_weir[1], text.data(), text.size()), static_cast<ssize_t>(text.size()));
  };
  std::string line;
  send(
      R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25"}})");
  ASSERT_TRUE(std::getline(answers, line));
  EXPECT_EQ(parse(line).at("id"), 1);

  gateway.set_reload_config(with_tool("one"));
  gateway.gateway().reload();
  ASSERT_TRUE(std::getline(answers, line));
  EXPECT_EQ(line, kListChanged);
  // A reload that changes nothing: the next line is ping's answer.
  gateway.gateway().reload();
  send(R"({"jsonrpc":"2.0","id":2,"method":"ping"})");
  ASSERT_TRUE(std::getline(answers, line));
  EXPECT_EQ(parse(line), parse(R"({"jsonrpc":"2.0","id":2,"result":{}})"));

  close(to_weir[1]);
  serving.join();
}

// No client input makes the MCP front throw anything but an RpcError: tool failures are ApiErrors
// and a backend call's own exceptions are caught on its worker (Api::run). What remains is a
// defect or the system failing — here DatabaseCalls::run throwing std::system_error, as
// starting a thread does when the process is out of them. That message is answered -32603 with
// the reason, and the session keeps serving, on both transports.
class ThreadsExhausted : public mcp::DatabaseCalls {
 public:
  void run(Request, Work, Done) override {
    throw std::system_error(std::make_error_code(std::errc::resource_unavailable_try_again),
                            "cannot start a worker thread");
  }
};

constexpr const char* kInternalErrorMessage =
    "internal error: cannot start a worker thread: Resource temporarily unavailable (the gateway "
    "logged it; the session goes on)";

TEST(McpInternalError, AnUnexpectedExceptionAnswersThatMessageAndStdioGoesOn) {
  testing::RunningGateway gateway(sqlite_config());
  ThreadsExhausted calls;
  mcp::Server server(gateway.gateway(), calls);
  std::istringstream in(
      R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25"}})"
      "\n"
      R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"query",)"
      R"("arguments":{"database":"app","query":"select 1"}}})"
      "\n"
      R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"list_databases"}})"
      "\n"
      R"({"jsonrpc":"2.0","id":3,"method":"ping"})"
      "\n");
  std::ostringstream out;
  mcp::serve_stdio(server, in, out, {4096, std::chrono::seconds(5)});
  std::vector<boost::json::value> answers;
  std::istringstream lines(out.str());
  for (std::string line; std::getline(lines, line);) answers.push_back(parse(line));
  ASSERT_EQ(answers.size(), 4u) << out.str();
  EXPECT_EQ(answers[1],
            (object{{"jsonrpc", "2.0"},
                    {"id", 2},
                    {"error", {{"code", -32603}, {"message", kInternalErrorMessage}}}}));
  // The failed call's id is free again, and the session serves on.
  EXPECT_EQ(answers[2].at("result").at("isError"), false) << answers[2];
  EXPECT_EQ(answers[3], parse(R"({"jsonrpc":"2.0","id":3,"result":{}})"));
}

TEST(McpInternalError, AnUnexpectedExceptionAnswersThatMessageAndHttpGoesOn) {
  testing::RunningGateway gateway(sqlite_config());
  ThreadsExhausted calls;
  mcp::Server server(gateway.gateway(), calls);
  mcp::HttpFront front(server);  // the /mcp transport, given requests as Api hands them over
  std::string session;
  const auto post = [&](const std::string& body) {
    HttpRequest request{http::verb::post, "/mcp", 11};
    request.set(http::field::content_type, "application/json");
    if (!session.empty()) request.set("mcp-session-id", session);
    request.body() = body;
    std::optional<HttpResponse> answer;
    front.handle(request, gateway.gateway().snapshot(), Caller{"127.0.0.1", nullptr},
                 std::chrono::steady_clock::now() + std::chrono::seconds(5), {},
                 [&](HttpResponse response) { answer = std::move(response); });
    EXPECT_TRUE(answer.has_value()) << body;  // refused at once, on this thread
    return answer.value_or(HttpResponse{});
  };
  session = std::string(
      post(
          R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25"}})")
          .at("mcp-session-id"));
  const auto reply =
      post(R"({"jsonrpc":"2.0","id":"q","method":"tools/call","params":{"name":"query",)"
           R"("arguments":{"database":"app","query":"select 1"}}})");
  EXPECT_EQ(reply.result(), http::status::ok);
  EXPECT_EQ(parse(reply.body()),
            (object{{"jsonrpc", "2.0"},
                    {"id", "q"},
                    {"error", {{"code", -32603}, {"message", kInternalErrorMessage}}}}));
  EXPECT_EQ(parse(post(R"({"jsonrpc":"2.0","id":2,"method":"ping"})").body()),
            parse(R"({"jsonrpc":"2.0","id":2,"result":{}})"));
}

}  // namespace
}  // namespace weir
