// The MCP tools on a real PostgreSQL server: describe_database's schemas,
// typed columns and keys; read-only enforced by the server (BEGIN READ ONLY);
// and notifications/cancelled stopping a running statement at the server.
#include "gateway_fixture.hpp"
#include "mcp_client.hpp"
#include "postgres_cluster.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>

namespace weir {
namespace {

using boost::json::object;
using boost::json::parse;
using testing::McpClient;

// One server for the three checks: starting a cluster is most of their time.
object config(const testing::PostgresCluster& pg) {
  return {{"limits", {{"request_timeout_ms", 30000}}},
          {"databases",
           {{"pg",
             {{"backend", "postgres"},
              {"connection", {{"url", pg.socket_url()}}},
              {"pool", {{"max_size", 2}}}}}}}};
}

// describe_database: schemas, tables and views, typed columns, keys.
void expect_schema(McpClient& client) {
  const auto result = client.tool("describe_database", {{"database", "pg"}});
  ASSERT_EQ(result.at("isError"), false) << serialize(result);
  EXPECT_EQ(result.at("structuredContent"), parse(R"J({"schemas":[
    {"name":"public","tables":[
      {"name":"big_orders","type":"view","columns":[
        {"name":"id","type":"integer","not_null":false,"default":null}],"keys":[]}]},
    {"name":"shop","tables":[
      {"name":"customer","type":"table","columns":[
        {"name":"id","type":"bigint","not_null":true,
         "default":"nextval('shop.customer_id_seq'::regclass)"},
        {"name":"email","type":"character varying(80)","not_null":true,"default":null}],
       "keys":[
        {"name":"customer_email_key","type":"unique","definition":"UNIQUE (email)"},
        {"name":"customer_pkey","type":"primary key","definition":"PRIMARY KEY (id)"}]},
      {"name":"orders","type":"table","columns":[
        {"name":"id","type":"integer","not_null":true,"default":null},
        {"name":"customer","type":"bigint","not_null":false,"default":null},
        {"name":"total","type":"numeric(10,2)","not_null":false,"default":"0"}],
       "keys":[
        {"name":"orders_customer_fkey","type":"foreign key",
         "definition":"FOREIGN KEY (customer) REFERENCES shop.customer(id)"},
        {"name":"orders_pkey","type":"primary key","definition":"PRIMARY KEY (id)"}]}]}],
    "database":"pg","backend":"postgres"})J"));
}

// The server refuses writes in the read-only transaction.
void expect_read_only(McpClient& client, const testing::PostgresCluster& pg) {
  // A function that writes looks like a read to any text check; the server knows better.
  pg.psql(
      "create or replace function public.sneaky() returns int language sql as "
      "'insert into shop.orders (id) values (7) returning id'");
  const auto result =
      client.tool("query", {{"database", "pg"}, {"query", "select public.sneaky()"}});
  ASSERT_EQ(result.at("isError"), true) << serialize(result);
  const auto error = McpClient::tool_error(result);
  EXPECT_EQ(error.at("backend_code"), "25006");  // read_only_sql_transaction
  EXPECT_EQ(error.at("message"), "cannot execute INSERT in a read-only transaction");
  EXPECT_EQ(pg.psql("select count(*) from shop.orders"), "0\n");
}

// notifications/cancelled stops the running statement at the server.
void expect_cancelled(std::uint16_t port, McpClient& client, const testing::PostgresCluster& pg) {
  const std::string call = R"J({"jsonrpc":"2.0","id":"slow","method":"tools/call","params":{
      "name":"query","arguments":{"database":"pg","query":"select pg_sleep(20)"}}})J";
  const auto started = std::chrono::steady_clock::now();
  auto answer = std::async(std::launch::async, [&] { return client.post(call); });
  // Wait until the statement runs at the server, then cancel it.
  for (int i = 0; i < 100 && pg.psql("select count(*) from pg_stat_activity where query = "
                                     "'select pg_sleep(20)' and state = 'active'") != "1\n";
       ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  McpClient canceller(port);
  canceller.set_session(client.session());
  EXPECT_EQ(canceller
                .post(R"J({"jsonrpc":"2.0","method":"notifications/cancelled",
                          "params":{"requestId":"slow","reason":"user"}})J")
                .status,
            202u);
  const auto reply = answer.get();
  const auto elapsed = std::chrono::steady_clock::now() - started;
  EXPECT_LT(elapsed, std::chrono::seconds(5));
  const auto result = parse(reply.body).at("result").as_object();
  EXPECT_EQ(result.at("isError"), true);
  const auto error = McpClient::tool_error(result);
  EXPECT_EQ(error.at("code"), "cancelled");
  EXPECT_EQ(pg.psql("select count(*) from pg_stat_activity where query = 'select pg_sleep(20)' "
                    "and state = 'active'"),
            "0\n");
}

TEST(McpPostgres, SchemaReadOnlyTransactionAndCancellationAtTheServer) {
  testing::PostgresCluster pg;
  pg.psql(
      "create schema shop;"
      "create table shop.customer (id bigserial primary key, email varchar(80) not null unique);"
      "create table shop.orders (id int primary key, customer bigint references shop.customer,"
      "  total numeric(10,2) default 0);"
      "create view public.big_orders as select id from shop.orders where total > 100;");
  testing::RunningGateway gateway(config(pg));
  McpClient client(gateway.port());
  client.initialize();
  {
    SCOPED_TRACE("describe_database");
    expect_schema(client);
  }
  {
    SCOPED_TRACE("read-only");
    expect_read_only(client, pg);
  }
  {
    SCOPED_TRACE("cancellation");
    expect_cancelled(gateway.port(), client, pg);
  }
}

}  // namespace
}  // namespace weir
