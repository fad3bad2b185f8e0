// Record operations on one collection: add, upsert, update (split into
// batches of the server's max_batch_size), get, query, delete, count.
// Read results are the server's own JSON, passed through unchanged.
#include "chroma_connection.hpp"
#include "chroma_errors.hpp"
#include "record_validation.hpp"

#include <weir/sdk/json_text.hpp>

#include <algorithm>

namespace weir::chroma {
namespace {

boost::json::array slice(const boost::json::array& column, std::size_t begin, std::size_t end) {
  return boost::json::array(column.begin() + static_cast<std::ptrdiff_t>(begin),
                            column.begin() + static_cast<std::ptrdiff_t>(end));
}

}  // namespace

ChromaConnection::Call ChromaConnection::add(const RequestReader& request) {
  return write_records(request, "/add", false);
}
ChromaConnection::Call ChromaConnection::upsert(const RequestReader& request) {
  return write_records(request, "/upsert", false);
}
ChromaConnection::Call ChromaConnection::update(const RequestReader& request) {
  return write_records(request, "/update", true);
}

ChromaConnection::Call ChromaConnection::write_records(const RequestReader& request,
                                                       std::string_view endpoint, bool for_update) {
  std::string name = request.required_string("collection");
  const RecordColumns columns = read_record_columns(request, for_update);
  const std::size_t total = columns.ids->size();
  const std::size_t batch = state_->max_batch_size();
  const std::size_t batches = (total + batch - 1) / batch;
  const std::pair<const char*, const boost::json::array*> named[] = {
      {"ids", columns.ids},
      {"embeddings", columns.embeddings},
      {"documents", columns.documents},
      {"metadatas", columns.metadatas},
      {"uris", columns.uris}};

  std::vector<std::string> bodies;
  for (std::size_t k = 0; k < batches; ++k) {
    const std::size_t begin = k * batch;
    const std::size_t end = std::min(total, begin + batch);
    boost::json::object body;
    for (const auto& [key, column] : named) {
      if (column != nullptr) body[key] = batches == 1 ? *column : slice(*column, begin, end);
    }
    bodies.push_back(weir::sdk::json_text(body));
  }
  return {.method = "POST",
          .collection = std::move(name),
          .path = std::string(endpoint),
          .bodies = std::move(bodies),
          .records = total,
          .batch_size = batch,
          .answer = [total, batches](const HttpResponse& response, const std::string& what,
                                     sdk::ValueWriter& result) {
            expect_success(response, what);
            result.begin_object();
            result.member("records", static_cast<std::int64_t>(total));
            result.member("batches", static_cast<std::int64_t>(batches));
            result.end_object();
          }};
}

ChromaConnection::Call ChromaConnection::get(const RequestReader& request) {
  request.allow_only(
      {"collection", "ids", "where", "where_document", "include", "limit", "offset"});
  request.required_string("collection");  // checked first
  if (const auto* ids = request.optional_array("ids")) check_ids(request, "ids", *ids);
  check_filter(request, "where");
  check_filter(request, "where_document");
  check_include(request, {"documents", "metadatas", "embeddings", "uris"});
  request.optional_integer("limit", 0);
  request.optional_integer("offset", 0);
  return forwarded(request, "/get", &write_server_json);
}

ChromaConnection::Call ChromaConnection::query(const RequestReader& request) {
  request.allow_only(
      {"collection", "query_embeddings", "n_results", "where", "where_document", "ids", "include"});
  request.required_string("collection");  // checked first
  const auto& embeddings = request.required_array("query_embeddings");
  if (embeddings.empty()) request.fail("query_embeddings", "must hold at least one embedding");
  check_embeddings(request, "query_embeddings", embeddings);
  request.optional_integer("n_results", 1);
  if (const auto* ids = request.optional_array("ids")) check_ids(request, "ids", *ids);
  check_filter(request, "where");
  check_filter(request, "where_document");
  check_include(request, {"documents", "metadatas", "embeddings", "uris", "distances"});
  return forwarded(request, "/query", &write_server_json);
}

ChromaConnection::Call ChromaConnection::delete_records(const RequestReader& request) {
  request.allow_only({"collection", "ids", "where", "where_document"});
  request.required_string("collection");  // checked first
  const auto* ids = request.optional_array("ids");
  if (ids != nullptr) check_ids(request, "ids", *ids);
  check_filter(request, "where");
  check_filter(request, "where_document");
  if (ids == nullptr && request.optional("where") == nullptr &&
      request.optional("where_document") == nullptr) {
    request.fail(
        "ids",
        "or \"where\" or \"where_document\" is required (Chroma deletes nothing without one)");
  }
  return forwarded(
      request, "/delete",
      [](const HttpResponse& response, const std::string& what, sdk::ValueWriter& result) {
        expect_success(response, what);
        result.begin_object();
        result.end_object();
      });
}

ChromaConnection::Call ChromaConnection::forwarded(const RequestReader& request,
                                                   const char* endpoint,
                                                   decltype(Call::answer) answer) {
  boost::json::object body = request.object();
  body.erase("op");
  body.erase("collection");
  return {.method = "POST",
          .collection = request.required_string("collection"),
          .path = endpoint,
          .bodies = {weir::sdk::json_text(body)},
          .answer = std::move(answer)};
}

ChromaConnection::Call ChromaConnection::count(const RequestReader& request) {
  request.allow_only({"collection"});
  return {.method = "GET",
          .collection = request.required_string("collection"),
          .path = "/count",
          .answer = &write_count};
}

}  // namespace weir::chroma
