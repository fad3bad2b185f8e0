// Helpers shared by the PostgreSQL tests: one cluster per test binary,
// connections through the real factory, and short ways to run a request and
// look at its result or its error.
#pragma once

#include "connection_factory.hpp"
#include "pg_connection.hpp"
#include "settings.hpp"

#include <weir/testing/value_builder.hpp>
#include "postgres_cluster.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <memory>
#include <string>

namespace weir::postgres::test {

using weir::testing::PostgresCluster;

// Started on first use, stopped and removed at exit.
inline PostgresCluster& cluster() {
  static PostgresCluster pg;
  return pg;
}

inline Settings settings_for(const boost::json::object& connection,
                             const std::string& database = "main") {
  const weir::sdk::ConfigReader reader(connection, "databases." + database + ".connection");
  return Settings::from(reader, "/tmp");
}

// Over the trusted unix socket.
inline boost::json::object socket_config(const PostgresCluster& pg) {
  return {{"url", pg.socket_url()}, {"connect_timeout_ms", 2000}};
}

inline std::unique_ptr<weir::sdk::Connection> connect(const PostgresCluster& pg,
                                                      boost::json::object extra = {}) {
  auto config = socket_config(pg);
  for (auto& [k, v] : extra) config[k] = v;
  return PgConnectionFactory(settings_for(config)).connect({});
}

inline boost::json::object request(std::string query, boost::json::array params = {}) {
  boost::json::object r{{"query", std::move(query)}};
  if (!params.empty()) r["params"] = std::move(params);
  return r;
}

// Runs a request that must succeed; returns the result object.
inline boost::json::object run(weir::sdk::Connection& c, const boost::json::object& req,
                               weir::sdk::ExecOptions options = {}) {
  weir::testing::ValueBuilder builder;
  weir::sdk::ValueWriter writer(builder.writer());
  c.execute(req, options, writer);
  return builder.value().as_object();
}
inline boost::json::object run(weir::sdk::Connection& c, std::string query,
                               boost::json::array params = {}) {
  return run(c, request(std::move(query), std::move(params)));
}

// The single value of a one-row, one-column result.
inline boost::json::value scalar(weir::sdk::Connection& c, std::string query,
                                 boost::json::array params = {}) {
  const auto result = run(c, std::move(query), std::move(params));
  const auto& rows = result.at("rows").as_array();
  EXPECT_EQ(rows.size(), 1u) << boost::json::serialize(result);
  return rows.empty() ? boost::json::value() : rows[0].as_array().at(0);
}

// Runs something that must fail; returns the error the caller sees.
template <class Body>
weir::sdk::Error error_of(Body&& body) {
  try {
    body();
  } catch (const weir::sdk::Error& e) {
    return e;
  }
  ADD_FAILURE() << "expected a weir::sdk::Error, got success";
  return weir::sdk::Error(WEIR_OK, "no error");
}

inline weir::sdk::Error run_error(weir::sdk::Connection& c, std::string query,
                                  boost::json::array params = {},
                                  weir::sdk::ExecOptions options = {}) {
  return error_of([&] { run(c, request(std::move(query), std::move(params)), options); });
}

}  // namespace weir::postgres::test
