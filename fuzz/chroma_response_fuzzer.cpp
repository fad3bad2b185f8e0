// Chroma server answers, as a script: one response per line,
// "<status> <body>", e.g. `200 {"max_batch_size": 2}`. A fake Chroma server
// on a loopback port answers the plugin's requests from the script, in
// order, while the real ChromaFactory connects (heartbeat, database check,
// pre-flight limits) and a ChromaConnection runs every operation once, its
// results written through the host's JSON writer. Covers the plugin's
// decoding of statuses, error bodies, counts, collection ids, pre-flight
// limits and the bodies it passes on as results.
//
// Oracle beyond the sanitizers: a result the plugin completes is one valid
// JSON document.
#include "chroma_factory.hpp"
#include "fake_chroma.hpp"
#include "valid_result.hpp"

#include <boost/json/parse.hpp>

#include <cstdint>
#include <string_view>

namespace {

using weir::fuzz::FakeChroma;
using weir::fuzz::parse_script;

// Every operation once, with a valid request, so each reaches the server.
constexpr const char* kRequests[] = {
    R"({"op": "list_collections", "limit": 5})",
    R"({"op": "count_collections"})",
    R"({"op": "create_collection", "name": "docs", "space": "cosine", "get_or_create": true})",
    R"({"op": "get_collection", "name": "docs"})",
    R"({"op": "add", "collection": "docs", "ids": ["a", "b", "c"],
        "embeddings": [[1, 0], [0, 1], [1, 1]], "documents": ["x", "y", "z"]})",
    R"({"op": "update", "collection": "docs", "ids": ["a"], "metadatas": [{"k": null}]})",
    R"({"op": "get", "collection": "docs", "ids": ["a"], "include": ["documents"]})",
    R"({"op": "query", "collection": "docs", "query_embeddings": [[1, 0.5]], "n_results": 2})",
    R"({"op": "count", "collection": "docs"})",
    R"({"op": "delete", "collection": "docs", "ids": ["b"]})",
    R"({"op": "delete_collection", "name": "docs"})",
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static FakeChroma& server = *new FakeChroma;  // never destroyed: its thread runs until exit
  server.play(parse_script(std::string_view(reinterpret_cast<const char*>(data), size)));
  weir::chroma::ChromaSettings settings;
  settings.url = server.url();
  settings.request_timeout = std::chrono::milliseconds(2000);
  std::unique_ptr<weir::sdk::Connection> connection;
  try {
    connection = weir::chroma::ChromaFactory(settings).connect({});
  } catch (const weir::sdk::Error&) {
    return 0;
  }
  for (const char* request : kRequests) {
    if (server.script_over()) break;
    weir::JsonResultWriter json(1 << 20);
    weir::sdk::ValueWriter out(json.writer());
    try {
      connection->execute(boost::json::parse(request).as_object(), {}, out);
    } catch (const weir::sdk::Error&) {
      continue;
    }
    weir::fuzz::require_valid_result(json, "the chroma plugin");
  }
  if (!server.script_over()) {
    weir::JsonResultWriter json(1 << 20);
    weir::sdk::ValueWriter out(json.writer());
    try {
      connection->describe_backend(out);
      weir::fuzz::require_valid_result(json, "the chroma plugin");
    } catch (const weir::sdk::Error&) {
    }
  }
  return 0;
}
