// The neo4j plugin: the export layer over weir_neo4j_core.
#include "connection_settings.hpp"
#include "neo4j_connection.hpp"
#include "routed_connection.hpp"

#include <weir/sdk/plugin_export.hpp>

namespace weir::neo4j {

struct Neo4jDriver {
  static constexpr sdk::PluginInfo info{
      "neo4j", "0.1.0", "Neo4j over Bolt 4.4/5.x (bolt, neo4j, ws; +s/+ssc/wss for TLS)",
      WEIR_KIND_GRAPH,
      WEIR_CAP_TRANSACTIONS | WEIR_CAP_PARAMETERS | WEIR_CAP_NAMED_PARAMETERS | WEIR_CAP_STREAMING |
          WEIR_CAP_READ_REPLICAS | WEIR_CAP_CANCEL | WEIR_CAP_EXECUTE_ASYNC};

  static void validate(const sdk::OpenContext& context) {
    ConnectionSettings::from(context.connection, context.data_dir);
  }
  static std::unique_ptr<sdk::ConnectionFactory> open(const sdk::OpenContext& context) {
    auto settings = std::make_shared<const ConnectionSettings>(
        ConnectionSettings::from(context.connection, context.data_dir));
    auto bookmarks = std::make_shared<BookmarkStore>();
    if (settings->routing) {
      return std::make_unique<RoutingConnectionFactory>(
          std::make_shared<Cluster>(settings, std::move(bookmarks), context.pool));
    }
    return std::make_unique<DirectConnectionFactory>(settings, settings->host, settings->port,
                                                     std::move(bookmarks));
  }
};

}  // namespace weir::neo4j

WEIR_EXPORT_PLUGIN(weir::neo4j::Neo4jDriver)
