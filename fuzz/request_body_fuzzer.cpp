// A request body from the client's bytes to what a plugin decodes: the host's
// parse_body / take_read_only / take_primary / take_max_rows / take_statements,
// the JSON texts the host hands over the ABI (each statement, a transaction's
// options), the SDK's parse on the plugin side, then the parameter decoders
// of PostgreSQL (libpq arrays) and Neo4j (PackStream values).
//
// Input: a first line "<query|transaction> [<Content-Type>]", then the body,
// e.g. "query application/json\n{\"query\": \"...\", \"params\": [1]}".
//
// Oracle beyond the sanitizers: whatever the host accepted, the plugin side
// parses (a throw there is uncaught and reported).
#include "json_mapping.hpp"
#include "packstream.hpp"
#include "parameters.hpp"
#include "request_body.hpp"

#include <weir/sdk/plugin_export.hpp>

#include <boost/json/serialize.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace http = boost::beast::http;

void decode_params(const boost::json::object& request) {
  const auto* params = request.if_contains("params");
  try {
    weir::postgres::Parameters bound(params);
  } catch (const weir::sdk::Error&) {
  }
  if (params == nullptr || !params->is_object()) return;
  try {
    const auto map = weir::neo4j::map_from_json(params->get_object(), {}, "params");
    std::string packed;
    weir::neo4j::packstream::encode(weir::neo4j::Value(map), packed);
    weir::neo4j::packstream::decode(packed);  // what the Bolt test server reads back
  } catch (const weir::sdk::Error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto eol = input.find('\n');
  std::string_view head = input.substr(0, eol);
  input.remove_prefix(eol == std::string_view::npos ? input.size() : eol + 1);
  const auto space = head.find(' ');
  const bool transaction = head.substr(0, space) == "transaction";
  weir::HttpRequest request{http::verb::post, "/v1/databases/main/query", 11};
  if (space != std::string_view::npos)
    request.set(http::field::content_type, head.substr(space + 1));
  request.body() = input;

  std::vector<boost::json::object> statements;
  boost::json::object options;  // a transaction's: what is left beside "statements"
  try {
    auto body = weir::parse_body(request);
    weir::take_read_only(body);
    weir::take_primary(body);
    if (transaction) {
      for (auto& statement : weir::take_statements(body)) {
        auto& object = statement.as_object();
        weir::take_read_only(object);
        weir::take_max_rows(object, 0);
        statements.push_back(std::move(object));
      }
      options = std::move(body);
    } else {
      weir::take_max_rows(body, 0);
      statements.push_back(std::move(body));
    }
  } catch (const weir::ApiError&) {
    return 0;
  }
  const std::string options_text = boost::json::serialize(options);
  weir::sdk::detail::parse_object(options_text.data(), options_text.size(), "transaction options");
  for (const auto& statement : statements) {
    const std::string text = boost::json::serialize(statement);
    decode_params(weir::sdk::detail::parse_object(text.data(), text.size(), "request"));
  }
  return 0;
}
