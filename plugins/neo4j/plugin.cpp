// The neo4j plugin: the export layer over weir_neo4j_core.
#include "connection_settings.hpp"
#include "neo4j_connection.hpp"

#include <weir/sdk/plugin_export.hpp>

namespace weir::neo4j {

struct Neo4jDriver {
  static constexpr sdk::PluginInfo info{
      "neo4j", "0.1.0", "Neo4j over Bolt 4.4/5.x (bolt://, ws://)", WEIR_KIND_GRAPH,
      WEIR_CAP_TRANSACTIONS | WEIR_CAP_PARAMETERS | WEIR_CAP_NAMED_PARAMETERS | WEIR_CAP_STREAMING};

  static std::unique_ptr<sdk::ConnectionFactory> open(const sdk::OpenContext& context) {
    auto settings =
        std::make_shared<const ConnectionSettings>(ConnectionSettings::from(context.connection));
    if (settings->scheme == "neo4j") {
      context.connection.fail(
          "url", "neo4j:// routing is not available in this build; use bolt:// to one member");
    }
    return std::make_unique<DirectConnectionFactory>(settings, settings->host, settings->port,
                                                     std::make_shared<BookmarkStore>());
  }
};

}  // namespace weir::neo4j

WEIR_EXPORT_PLUGIN(weir::neo4j::Neo4jDriver)
