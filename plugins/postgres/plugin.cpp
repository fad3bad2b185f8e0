// The weir_postgres plugin: the SDK export glue around PgConnectionFactory.
#include "connection_factory.hpp"

#include <weir/sdk/plugin_export.hpp>

namespace {

struct PostgresDriver {
  static constexpr weir::sdk::PluginInfo info{
      "postgres", "0.1.0", "PostgreSQL through libpq", WEIR_KIND_SQL,
      WEIR_CAP_TRANSACTIONS | WEIR_CAP_PARAMETERS | WEIR_CAP_CANCEL | WEIR_CAP_READ_REPLICAS |
          WEIR_CAP_PARAMETER_SETS | WEIR_CAP_EXECUTE_ASYNC};

  static void validate(const weir::sdk::OpenContext& context) {
    weir::postgres::Settings::from(context.connection, context.data_dir);
  }
  static std::unique_ptr<weir::sdk::ConnectionFactory> open(const weir::sdk::OpenContext& context) {
    return std::make_unique<weir::postgres::PgConnectionFactory>(
        weir::postgres::Settings::from(context.connection, context.data_dir));
  }
};

}  // namespace

WEIR_EXPORT_PLUGIN(PostgresDriver)
