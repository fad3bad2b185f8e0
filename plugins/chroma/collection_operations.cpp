// Collection operations: list, count, create (get-or-create), get, delete.
// Collections are addressed by name here; the server answers with the
// collection object, whose id feeds the name -> UUID cache.
#include "chroma_connection.hpp"
#include "chroma_errors.hpp"

#include <weir/sdk/json_text.hpp>

namespace weir::chroma {
namespace {

// Applies the "space" shorthand to an hnsw configuration, refusing a contradiction.
boost::json::object configuration_with_space(const RequestReader& request,
                                             const boost::json::object* configuration,
                                             const std::string& space) {
  if (space != "l2" && space != "cosine" && space != "ip") {
    request.fail("space", "must be one of l2, cosine, ip; got \"" + space + "\"");
  }
  boost::json::object result = configuration != nullptr ? *configuration : boost::json::object{};
  auto& hnsw = result["hnsw"];
  if (hnsw.is_null()) hnsw = boost::json::object{};
  if (!hnsw.is_object()) request.fail("configuration.hnsw", "must be an object");
  const auto* given = hnsw.get_object().if_contains("space");
  if (given != nullptr && !(given->is_string() && given->get_string() == space)) {
    request.fail("space", "contradicts configuration.hnsw.space; give the space once");
  }
  hnsw.get_object()["space"] = space;
  return result;
}

}  // namespace

ChromaConnection::Call ChromaConnection::list_collections(const RequestReader& request) {
  request.allow_only({"limit", "offset"});
  std::string path = state_->database_path() + "/collections";
  char separator = '?';
  for (const auto& [field, min] : {std::pair{"limit", 1}, std::pair{"offset", 0}}) {
    if (const auto value = request.optional_integer(field, min)) {
      path.append(1, separator).append(field).append("=").append(std::to_string(*value));
      separator = '&';
    }
  }
  return {.method = "GET",
          .path = std::move(path),
          .answer = [](const HttpResponse& response, const std::string& what,
                       sdk::ValueWriter& result) {
            expect_success(response, what);
            result.begin_object();
            result.key("collections");
            result.json(response.body);
            result.end_object();
          }};
}

ChromaConnection::Call ChromaConnection::count_collections(const RequestReader& request) {
  request.allow_only({});
  return {.method = "GET",
          .path = state_->database_path() + "/collections_count",
          .answer = &write_count};
}

ChromaConnection::Call ChromaConnection::create_collection(const RequestReader& request) {
  request.allow_only({"name", "metadata", "space", "configuration", "get_or_create"});
  boost::json::object body;
  std::string name = request.required_string("name");
  body["name"] = name;
  if (const auto* metadata = request.optional_object("metadata")) body["metadata"] = *metadata;
  const auto* configuration = request.optional_object("configuration");
  if (const auto* space = request.optional("space")) {
    if (!space->is_string()) request.fail("space", "must be one of l2, cosine, ip");
    body["configuration"] =
        configuration_with_space(request, configuration, std::string(space->get_string()));
  } else if (configuration != nullptr) {
    body["configuration"] = *configuration;
  }
  body["get_or_create"] = request.boolean("get_or_create", false);
  return {.method = "POST",
          .path = state_->database_path() + "/collections",
          .bodies = {weir::sdk::json_text(body)},
          .answer = [state = state_, name = std::move(name)](const HttpResponse& response,
                                                             const std::string& what,
                                                             sdk::ValueWriter& result) {
            expect_success(response, what);
            boost::system::error_code ec;
            const auto created = boost::json::parse(response.body, ec);
            const auto* id =
                !ec && created.is_object() ? created.get_object().if_contains("id") : nullptr;
            if (id != nullptr && id->is_string())
              state->remember_collection(name, std::string(id->get_string()));
            result.json(response.body);
          }};
}

ChromaConnection::Call ChromaConnection::get_collection(const RequestReader& request) {
  request.allow_only({"name"});
  std::string name = request.required_string("name");
  std::string path = collection_path(name);
  return {.method = "GET",
          .path = std::move(path),
          .answer = [state = state_, name = std::move(name)](const HttpResponse& response,
                                                             const std::string& what,
                                                             sdk::ValueWriter& result) {
            if (response.status == 404) state->forget_collection(name);
            expect_success(response, what);
            result.json(response.body);
          }};
}

ChromaConnection::Call ChromaConnection::delete_collection(const RequestReader& request) {
  request.allow_only({"name"});
  std::string name = request.required_string("name");
  state_->forget_collection(name);
  return {.method = "DELETE",
          .path = collection_path(name),
          .answer = [name = std::move(name)](const HttpResponse& response, const std::string& what,
                                             sdk::ValueWriter& result) {
            expect_success(response, what);
            result.begin_object();
            result.member("deleted", name);
            result.end_object();
          }};
}

}  // namespace weir::chroma
