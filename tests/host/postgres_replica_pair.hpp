// A PostgreSQL primary with a streaming hot standby, and the gateway config
// that serves the two as database "pg": read-only requests go to the replica.
#pragma once

#include "postgres_cluster.hpp"

#include <boost/json/object.hpp>

#include <cstdlib>

namespace weir::testing {

struct PostgresReplicaPair {
  PostgresReplicaPair() {
    ::setenv("WEIR_REPLICA_PAIR_PW", primary.superuser_password().c_str(), 1);
  }

  boost::json::object gateway_config() const {
    return {{"databases",
             {{"pg",
               {{"backend", "postgres"},
                {"connection", connection_to(primary)},
                {"replicas", {{{"connection", connection_to(replica)}}}}}}}}};
  }

  PostgresCluster primary;
  PostgresCluster replica = PostgresCluster::replica_of(primary);

 private:
  static boost::json::object connection_to(const PostgresCluster& server) {
    return {{"url", server.url()},
            {"password_env", "WEIR_REPLICA_PAIR_PW"},
            {"connect_timeout_ms", 1000}};
  }
};

}  // namespace weir::testing
