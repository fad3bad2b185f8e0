#include "mcp/tools.hpp"

#include "gateway.hpp"
#include "json_text.hpp"
#include "mcp/json_rpc.hpp"
#include "mcp/page_cursor.hpp"
#include "mcp/schema_reader.hpp"
#include "mcp/tool_arguments.hpp"
#include "mcp/toolsets.hpp"

#include <weir/sdk/json_parse.hpp>

#include <boost/json/parse.hpp>

#include <utility>

namespace weir::mcp {

namespace {

using boost::json::array;
using boost::json::object;
using boost::json::value;

// What a database is to the tools: its plugin's kind, and whether the caller may write to it.
struct Visible {
  std::string name;
  std::string backend;
  std::uint32_t kind;  // WEIR_KIND_*; 0 when its plugin is not loaded
  bool writable;
};

// The config marks a database writable for MCP (mcp.writable) and the caller's token may write.
bool writable_for(const Snapshot& state, const Caller& caller, const std::string& database) {
  return state.config.mcp.writable_database(database) &&
         (caller.token == nullptr || !caller.token->read_only);
}

std::vector<Visible> visible_databases(const Snapshot& state, const Caller& caller) {
  std::vector<Visible> out;
  for (const auto& [name, served] : state.databases) {
    if (!state.access.may_see(caller, name)) continue;
    const auto& backend = served.database->config().backend;
    const auto plugin = state.plugins->find(backend);
    out.push_back({name, backend, plugin != nullptr ? plugin->table.kind : 0u,
                   writable_for(state, caller, name)});
  }
  return out;
}

bool queryable(const Visible& db) { return db.kind == WEIR_KIND_SQL || db.kind == WEIR_KIND_GRAPH; }
bool searchable(const Visible& db) { return db.kind == WEIR_KIND_VECTOR; }

// The visible databases `fits` accepts, by name: a tool's "database" enum.
array names(const std::vector<Visible>& dbs, bool (*fits)(const Visible&)) {
  array out;
  for (const auto& db : dbs) {
    if (fits == nullptr || fits(db)) out.push_back(value(db.name));
  }
  return out;
}

object database_property(array names, const char* what) {
  return object{{"type", "string"}, {"enum", std::move(names)}, {"description", what}};
}

object tool(std::string_view name, std::string_view title, std::string_view description,
            object schema, object annotations) {
  annotations["title"] = title;
  return object{{"name", name},
                {"title", title},
                {"description", description},
                {"inputSchema", std::move(schema)},
                {"annotations", std::move(annotations)}};
}

object schema(object properties, array required) {
  object out{{"type", "object"}, {"properties", std::move(properties)}};
  if (!required.empty()) out["required"] = std::move(required);
  out["additionalProperties"] = false;
  return out;
}

object read_only_hints() { return object{{"readOnlyHint", true}, {"openWorldHint", false}}; }

// The one database a call names: refused as an argument error unless the tool lists it.
std::string database_argument(const ToolArguments& arguments, const Snapshot& state,
                              const Caller& caller, bool (*fits)(const Visible&),
                              const char* tool) {
  const auto database = arguments.required_string("database");
  for (const auto& db : visible_databases(state, caller)) {
    if (db.name != database) continue;
    if (fits == nullptr || fits(db)) return database;
    ToolArguments::refuse("database", "names \"" + database + "\", a " + db.backend +
                                          " database, which " + tool + " does not serve");
  }
  // Unknown and not visible read alike: a token does not learn what it may not use.
  ToolArguments::refuse("database", "names \"" + database +
                                        "\", which is not a database you may use (see "
                                        "list_databases)");
}

// The rows of `page`: after its offset, at most max_rows and about kPageBytes of them. When rows
// are left, the result says so, how many there were, and the cursor of the next page.
object page_rows(object result, const Page& page) {
  auto* rows = result.if_contains("rows");
  if (rows == nullptr || !rows->is_array()) return result;
  auto& all = rows->get_array();
  const std::size_t total = all.size();
  array kept;
  std::size_t next = std::min(page.offset, total);
  for (std::size_t bytes = 0; next < total && std::cmp_less(kept.size(), page.max_rows); ++next) {
    bytes += json_text(all[next]).size();
    if (bytes > kPageBytes && !kept.empty()) break;
    kept.push_back(std::move(all[next]));
  }
  all = std::move(kept);
  if (page.offset > 0) result["offset"] = page.offset;
  if (next < total) {
    result["truncated"] = true;
    result["total_rows"] = total;
    result["next_cursor"] = make_cursor(page.statement, next);
  }
  return result;
}

object cursor_property() {
  return object{{"type", "string"},
                {"description",
                 "next_cursor of a truncated result: the same call again with it returns the next "
                 "page (the statement runs again, read-only)"}};
}

// A call with a cursor: the page it names; without: the first. `identity` is what the cursor
// must have been made for.
Page page_of(const ToolArguments& args, std::string identity, std::int64_t max_rows) {
  Page page{std::move(identity), 0, max_rows};
  if (const auto cursor = args.optional_string("cursor"))
    page.offset = cursor_offset(*cursor, page.statement);
  return page;
}

// Chroma's answer for one query embedding, as one list of matches, nearest first.
object matches(const object& answer) {
  const auto column = [&](const char* key) -> const array* {
    const auto* lists = answer.if_contains(key);
    if (lists == nullptr || !lists->is_array() || lists->get_array().empty() ||
        !lists->get_array()[0].is_array())
      return nullptr;
    return &lists->get_array()[0].get_array();
  };
  array out;
  const auto* ids = column("ids");
  for (std::size_t i = 0; ids != nullptr && i < ids->size(); ++i) {
    object match{{"id", (*ids)[i]}};
    for (const auto& [lists, one] :
         {std::pair{"distances", "distance"}, std::pair{"documents", "document"},
          std::pair{"metadatas", "metadata"}}) {
      const auto* list = column(lists);
      if (list != nullptr && i < list->size()) match[one] = (*list)[i];
    }
    out.push_back(std::move(match));
  }
  return object{{"matches", std::move(out)}};
}

// Every tool the caller may use by its databases, before its toolsets are applied.
array every_tool(const Snapshot& state, const Caller& caller) {
  const auto dbs = visible_databases(state, caller);
  array tools;
  tools.push_back(tool("list_databases", "List databases",
                       "The databases you may use: name, backend (sqlite, postgres, chroma, "
                       "neo4j, ...), kind (sql, vector, graph), state, and whether query may "
                       "write to it.",
                       schema({}, {}), read_only_hints()));
  if (dbs.empty()) return tools;
  tools.push_back(tool(
      "describe_database", "Describe a database",
      "The schema of a database: SQLite tables, columns and indexes; PostgreSQL schemas, tables, "
      "typed columns and keys; Chroma collections with record counts and metadata; Neo4j "
      "labels, relationship types and property keys.",
      schema({{"database", database_property(names(dbs, nullptr), "the database to describe")}},
             {"database"}),
      read_only_hints()));
  if (auto queryable_names = names(dbs, queryable); !queryable_names.empty()) {
    bool any_writable = false;
    for (const auto& db : dbs) any_writable = any_writable || (queryable(db) && db.writable);
    object hints =
        any_writable
            ? object{{"readOnlyHint", false}, {"destructiveHint", true}, {"openWorldHint", false}}
            : read_only_hints();
    tools.push_back(tool(
        "query", "Run a query",
        "Runs one SQL statement (SQLite, PostgreSQL) or Cypher query (Neo4j) and returns its "
        "columns and rows. It runs in a read-only transaction, so the database itself refuses "
        "writes, unless list_databases says the database is writable. Pass values as params "
        "(positional: $1 / ?, or named), never inside the query text.",
        schema(
            {{"database", database_property(std::move(queryable_names), "the database to query")},
             {"query",
              object{{"type", "string"}, {"description", "one SQL statement or Cypher query"}}},
             {"params",
              object{{"type", array{"array", "object"}},
                     {"description", "the statement's parameters, bound by the database"}}},
             {"max_rows",
              object{{"type", "integer"},
                     {"minimum", 1},
                     {"maximum", kMostRows},
                     {"default", kDefaultMaxRows},
                     {"description", "rows returned at most; more set truncated: true"}}},
             {"cursor", cursor_property()}},
            {"database", "query"}),
        std::move(hints)));
  }
  if (auto vector_names = names(dbs, searchable); !vector_names.empty()) {
    tools.push_back(tool(
        "vector_search", "Search vectors",
        "The records of a Chroma collection nearest to an embedding: id, distance, document and "
        "metadata of each, nearest first. `where` filters by metadata (Chroma's syntax).",
        schema(
            {{"database", database_property(std::move(vector_names), "the vector database")},
             {"collection", object{{"type", "string"}, {"description", "the collection's name"}}},
             {"embedding", object{{"type", "array"},
                                  {"items", object{{"type", "number"}}},
                                  {"minItems", 1},
                                  {"description", "the query embedding"}}},
             {"n_results", object{{"type", "integer"},
                                  {"minimum", 1},
                                  {"maximum", kMostRows},
                                  {"default", 10},
                                  {"description", "how many matches"}}},
             {"where", object{{"type", "object"},
                              {"description", "metadata filter, e.g. {\"kind\": \"fruit\"}"}}}},
            {"database", "collection", "embedding"}),
        read_only_hints()));
  }
  for (const auto& defined : state.config.mcp.tools) {
    if (!state.access.may_see(caller, defined.database)) continue;
    auto input_schema = defined.input_schema();
    input_schema.at("properties").as_object()["cursor"] = cursor_property();
    tools.push_back(tool(defined.name, defined.title.empty() ? defined.name : defined.title,
                         defined.description, std::move(input_schema),
                         object{{"readOnlyHint", defined.read_only},
                                {"destructiveHint", !defined.read_only},
                                {"openWorldHint", false}}));
  }
  return tools;
}

}  // namespace

object tool_result(object structured) {
  const std::string text = json_text(structured);
  return object{{"content", array{object{{"type", "text"}, {"text", text}}}},
                {"structuredContent", std::move(structured)},
                {"isError", false}};
}

object tool_error(const ApiError& error) {
  return object{{"content", array{object{{"type", "text"}, {"text", error.body()}}}},
                {"isError", true}};
}

array Tools::list(const Snapshot& state, const Caller& caller) const {
  static const std::optional<std::vector<std::string>> kEveryTool;
  const auto& limit = caller.token != nullptr ? caller.token->toolsets : kEveryTool;
  array tools;
  for (auto& t : every_tool(state, caller)) {
    if (toolsets_allow(state.config.mcp.toolsets, limit, t.as_object().at("name").as_string()))
      tools.push_back(std::move(t));
  }
  return tools;
}

void Tools::call(const std::string& name, const object& arguments, const CallContext& context,
                 Done done) {
  bool listed = false;
  for (const auto& t : list(*context.state, context.caller))
    listed = listed || t.as_object().at("name").as_string() == name;
  if (!listed) throw RpcError(rpc_code::kInvalidParams, "unknown tool \"" + name + "\"");
  try {
    if (name == "list_databases") {
      ToolArguments(arguments, {});
      array list;
      for (const auto& db : visible_databases(*context.state, context.caller)) {
        const auto health = context.state->find(db.name)->database->health();
        object entry{{"name", db.name},
                     {"backend", db.backend},
                     {"kind", db.kind != 0 ? plugin_kind_name(db.kind) : "unknown"},
                     {"state", health.state},
                     {"writable", db.writable && queryable(db)}};
        if (!health.reason.empty()) entry["reason"] = health.reason;
        list.push_back(std::move(entry));
      }
      return done(tool_result(object{{"databases", std::move(list)}}));
    }
    // `done` is copied: it still answers an argument error the tool throws.
    if (name == "describe_database") return describe_database(arguments, context, done);
    if (name == "query") return query(arguments, context, done);
    if (name == "vector_search") return vector_search(arguments, context, done);
    for (const auto& defined : context.state->config.mcp.tools) {
      if (defined.name == name) return config_tool(defined, arguments, context, done);
    }
    throw RpcError(rpc_code::kInvalidParams, "unknown tool \"" + name + "\"");  // not reached
  } catch (const ApiError& e) {
    done(tool_error(e));
  }
}

void Tools::run(const std::string& tool, const std::string& database, const CallContext& context,
                std::function<object(Database&, const RequestContext&)> work, Done done) {
  calls_.run(
      {context.state, context.caller, database, "mcp_" + tool, context.deadline, context.cancelled},
      [work = std::move(work)](Database& db, const RequestContext& request) {
        return json_text(work(db, request));
      },
      [done = std::move(done), cancelled = context.cancelled](std::string result,
                                                              std::optional<ApiError> error) {
        if (error && cancelled.stop_requested())
          return done(tool_error(
              ApiError(499, "cancelled",
                       "the call was cancelled (notifications/cancelled, the session ended, or the "
                       "client left); its statement was stopped")));
        if (error) return done(tool_error(*error));
        done(tool_result(sdk::parse_json(result).as_object()));
      });
}

void Tools::describe_database(const object& arguments, const CallContext& context, Done done) {
  const ToolArguments args(arguments, {"database"});
  const auto database =
      database_argument(args, *context.state, context.caller, nullptr, "describe_database");
  const auto& backend = context.state->find(database)->database->config().backend;
  if (!reads_schema_of(backend))
    throw ApiError(501, "not_implemented",
                   "describe_database cannot read the schema of a " + backend +
                       " database yet; use query on its catalog");
  run(
      "describe_database", database, context,
      [database, backend](Database& db, const RequestContext& request) {
        auto schema = read_schema(db, request);
        schema["database"] = database;
        schema["backend"] = backend;
        return schema;
      },
      std::move(done));
}

void Tools::query(const object& arguments, const CallContext& context, Done done) {
  const ToolArguments args(arguments, {"database", "query", "params", "max_rows", "cursor"});
  const auto database = database_argument(args, *context.state, context.caller, queryable, "query");
  object statement{{"query", args.required_string("query")}};
  if (auto params = args.params("params")) statement["params"] = std::move(*params);
  auto page = page_of(args, json_text(object{{"database", database}, {"statement", statement}}),
                      args.integer("max_rows", kDefaultMaxRows, 1, kMostRows));
  // Read-only is the engine's to enforce: a read-only transaction, and every statement in it
  // flagged read-only for the plugin (SQLite refuses a write, PostgreSQL runs BEGIN READ ONLY,
  // Neo4j opens it in read access mode). A next page is always read-only: paging never
  // repeats a write.
  const bool read_only = !writable_for(*context.state, context.caller, database) || page.offset > 0;
  run_statement("query", database, std::move(statement), read_only, std::move(page), context,
                std::move(done));
}

void Tools::config_tool(const ConfigTool& tool, const object& arguments, const CallContext& context,
                        Done done) {
  // The cursor is paging's, every other argument the tool's parameters'.
  object parameters = arguments;
  object paging;
  if (const auto cursor = parameters.find("cursor"); cursor != parameters.end()) {
    paging["cursor"] = cursor->value();
    parameters.erase(cursor);
  }
  const auto bound = tool.bind(parameters);
  // Cypher reads parameters by name; SQL backends by position (PostgreSQL only so).
  const auto plugin =
      context.state->plugins->find(context.state->find(tool.database)->database->config().backend);
  value params;
  if (plugin != nullptr && plugin->table.kind == WEIR_KIND_GRAPH) {
    object named;
    for (std::size_t i = 0; i < bound.size(); ++i) named[tool.parameters[i].name] = bound[i];
    params = std::move(named);
  } else {
    params = array(bound.begin(), bound.end());
  }
  auto page = page_of(ToolArguments(paging, {"cursor"}),
                      json_text(object{{"tool", tool.name}, {"params", params}}), kDefaultMaxRows);
  const bool read_only = tool.read_only ||
                         (context.caller.token != nullptr && context.caller.token->read_only) ||
                         page.offset > 0;
  run_statement(tool.name, tool.database,
                object{{"query", tool.statement}, {"params", std::move(params)}}, read_only,
                std::move(page), context, std::move(done));
}

void Tools::run_statement(const std::string& tool, const std::string& database, object statement,
                          bool read_only, Page page, const CallContext& context, Done done) {
  run(
      tool, database, context,
      [statement = std::move(statement), read_only, page = std::move(page)](
          Database& db, const RequestContext& request) {
        const object options = read_only ? object{{"read_only", true}} : object{};
        auto answer =
            sdk::parse_json(db.transaction(array{statement}, options, read_only, request));
        return page_rows(std::move(answer.at("results").as_array()[0].as_object()), page);
      },
      std::move(done));
}

void Tools::vector_search(const object& arguments, const CallContext& context, Done done) {
  const ToolArguments args(arguments,
                           {"database", "collection", "embedding", "n_results", "where"});
  const auto database =
      database_argument(args, *context.state, context.caller, searchable, "vector_search");
  object request{{"op", "query"},
                 {"collection", args.required_string("collection")},
                 {"query_embeddings", array{args.numbers("embedding")}},
                 {"n_results", args.integer("n_results", 10, 1, kMostRows)},
                 {"include", array{"documents", "metadatas", "distances"}}};
  if (auto where = args.object("where")) request["where"] = std::move(*where);
  run(
      "vector_search", database, context,
      [request = std::move(request)](Database& db, const RequestContext& context) {
        return matches(boost::json::parse(db.query(request, true, context)).as_object());
      },
      std::move(done));
}

}  // namespace weir::mcp
