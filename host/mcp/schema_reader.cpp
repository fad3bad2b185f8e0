#include "mcp/schema_reader.hpp"

#include <boost/json/parse.hpp>

#include <functional>
#include <map>

namespace weir::mcp {

namespace {

using boost::json::array;
using boost::json::object;
using boost::json::value;

// The rows of each statement of a read-only transaction, in order.
std::vector<array> read_rows(Database& database, const std::vector<std::string>& statements,
                             const RequestContext& context) {
  array requests;
  for (const auto& sql : statements) requests.push_back(object{{"query", sql}});
  const auto answer = boost::json::parse(
      database.transaction(requests, object{{"read_only", true}}, true, context));
  std::vector<array> rows;
  for (const auto& result : answer.at("results").as_array())
    rows.push_back(result.at("rows").as_array());
  return rows;
}

// The member of `list` whose "name" is `name`, appended when there is none.
object& named(array& list, const value& name, const object& fresh = {}) {
  if (list.empty() || list.back().at("name") != name) {
    object entry{{"name", name}};
    for (const auto& member : fresh) entry[member.key()] = member.value();
    list.push_back(std::move(entry));
  }
  return list.back().as_object();
}

bool truthy(const value& v) {
  return v.is_bool() ? v.get_bool() : v.is_int64() && v.get_int64() != 0;
}

// Tables and views with their columns, and their indexes (sqlite_schema and the schema pragmas).
object sqlite_schema(Database& database, const RequestContext& context) {
  const auto rows =
      read_rows(database,
                {R"(SELECT m.name, m.type, c.name, c.type, c."notnull", c.dflt_value, c.pk
          FROM sqlite_schema AS m JOIN pragma_table_info(m.name) AS c
          WHERE m.type IN ('table', 'view') AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\'
          ORDER BY m.name, c.cid)",
                 R"(SELECT m.name, i.name, i."unique", c.name
          FROM sqlite_schema AS m JOIN pragma_index_list(m.name) AS i
               JOIN pragma_index_info(i.name) AS c
          WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\'
          ORDER BY m.name, i.name, c.seqno)"},
                context);
  array tables;
  for (const auto& row : rows[0]) {
    const auto& r = row.as_array();
    auto& table = named(tables, r[0], {{"type", r[1]}, {"columns", array{}}, {"indexes", array{}}});
    table["columns"].as_array().push_back(object{{"name", r[2]},
                                                 {"type", r[3]},
                                                 {"not_null", truthy(r[4])},
                                                 {"default", r[5]},
                                                 {"primary_key", truthy(r[6])}});
  }
  for (const auto& row : rows[1]) {
    const auto& r = row.as_array();
    for (auto& table : tables) {
      if (table.at("name") != r[0]) continue;
      auto& index = named(table.at("indexes").as_array(), r[1],
                          {{"unique", truthy(r[2])}, {"columns", array{}}});
      index["columns"].as_array().push_back(r[3]);
    }
  }
  return object{{"tables", std::move(tables)}};
}

// Schemas, their tables and views with typed columns, and their keys (pg_catalog).
object postgres_schema(Database& database, const RequestContext& context) {
  constexpr const char* kUserSchemas =
      "NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'";
  const auto rows = read_rows(
      database,
      {std::string("SELECT n.nspname FROM pg_catalog.pg_namespace AS n WHERE n.nspname ") +
           kUserSchemas + " ORDER BY 1",
       std::string(R"(SELECT n.nspname, c.relname,
                 CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view'
                                WHEN 'f' THEN 'foreign table' ELSE 'table' END,
                 a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull,
                 pg_catalog.pg_get_expr(d.adbin, d.adrelid)
          FROM pg_catalog.pg_class AS c
               JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
               JOIN pg_catalog.pg_attribute AS a
                 ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
               LEFT JOIN pg_catalog.pg_attrdef AS d ON d.adrelid = c.oid AND d.adnum = a.attnum
          WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND n.nspname )") +
           kUserSchemas + " ORDER BY 1, 2, a.attnum",
       std::string(R"(SELECT n.nspname, c.relname, k.conname,
                 CASE k.contype WHEN 'p' THEN 'primary key' WHEN 'u' THEN 'unique'
                                ELSE 'foreign key' END,
                 pg_catalog.pg_get_constraintdef(k.oid)
          FROM pg_catalog.pg_constraint AS k
               JOIN pg_catalog.pg_class AS c ON c.oid = k.conrelid
               JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
          WHERE k.contype IN ('p', 'u', 'f') AND n.nspname )") +
           kUserSchemas + " ORDER BY 1, 2, 3"},
      context);
  array schemas;
  for (const auto& row : rows[0]) named(schemas, row.as_array()[0], {{"tables", array{}}});
  const auto table_of = [&](const array& r) -> object* {
    for (auto& schema : schemas) {
      if (schema.at("name") != r[0]) continue;
      auto& tables = schema.at("tables").as_array();
      for (auto& table : tables) {
        if (table.at("name") == r[1]) return &table.as_object();
      }
      return nullptr;
    }
    return nullptr;
  };
  for (const auto& row : rows[1]) {
    const auto& r = row.as_array();
    for (auto& schema : schemas) {
      if (schema.at("name") != r[0]) continue;
      auto& table = named(schema.at("tables").as_array(), r[1],
                          {{"type", r[2]}, {"columns", array{}}, {"keys", array{}}});
      table["columns"].as_array().push_back(
          object{{"name", r[3]}, {"type", r[4]}, {"not_null", r[5]}, {"default", r[6]}});
    }
  }
  for (const auto& row : rows[2]) {
    const auto& r = row.as_array();
    if (auto* table = table_of(r)) {
      (*table)["keys"].as_array().push_back(
          object{{"name", r[2]}, {"type", r[3]}, {"definition", r[4]}});
    }
  }
  return object{{"schemas", std::move(schemas)}};
}

// Collections with their metadata, dimension and record count (read-only requests: Chroma has
// no transactions).
object chroma_schema(Database& database, const RequestContext& context) {
  const auto listed =
      boost::json::parse(database.query(object{{"op", "list_collections"}}, true, context));
  array collections;
  for (const auto& c : listed.at("collections").as_array()) {
    const auto& collection = c.as_object();
    const auto counted = boost::json::parse(database.query(
        object{{"op", "count"}, {"collection", collection.at("name")}}, true, context));
    object entry{{"name", collection.at("name")}, {"count", counted.at("count")}};
    for (const char* key : {"metadata", "dimension"}) {
      if (const auto* v = collection.if_contains(key)) entry[key] = *v;
    }
    collections.push_back(std::move(entry));
  }
  return object{{"collections", std::move(collections)}};
}

// Labels, relationship types and property keys (Neo4j's db.* procedures), in one transaction
// in read access mode.
object neo4j_schema(Database& database, const RequestContext& context) {
  const auto rows = read_rows(
      database,
      {"CALL db.labels() YIELD label RETURN label ORDER BY label",
       "CALL db.relationshipTypes() YIELD relationshipType "
       "RETURN relationshipType ORDER BY relationshipType",
       "CALL db.propertyKeys() YIELD propertyKey RETURN propertyKey ORDER BY propertyKey"},
      context);
  object schema;
  const char* keys[] = {"labels", "relationship_types", "property_keys"};
  for (std::size_t i = 0; i < rows.size(); ++i) {
    array names;
    for (const auto& row : rows[i]) names.push_back(row.as_array()[0]);
    schema[keys[i]] = std::move(names);
  }
  return schema;
}

using SchemaReader = std::function<object(Database&, const RequestContext&)>;

const std::map<std::string, SchemaReader>& readers() {
  static const std::map<std::string, SchemaReader> by_backend{{"sqlite", sqlite_schema},
                                                              {"postgres", postgres_schema},
                                                              {"chroma", chroma_schema},
                                                              {"neo4j", neo4j_schema}};
  return by_backend;
}

}  // namespace

bool reads_schema_of(const std::string& backend) { return readers().contains(backend); }

object read_schema(Database& database, const RequestContext& context) {
  return readers().at(database.config().backend)(database, context);
}

}  // namespace weir::mcp
