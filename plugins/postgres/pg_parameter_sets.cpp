// One statement, many parameter sets (WEIR_EXEC_PARAMETER_SETS): prepared once
// as the unnamed statement with the first set's parameter types, then run per
// set, so the server parses and plans it once. The sets share the request's
// deadline.
#include "pg_connection.hpp"
#include "result_writer.hpp"

#include <weir/sdk/parameter_sets.hpp>

namespace weir::postgres {

void PgConnection::run_per_parameter_set(const std::string& sql, const boost::json::value* sets,
                                         std::chrono::milliseconds timeout,
                                         weir::sdk::ValueWriter& out) {
  const Deadline deadline{timeout};
  bool prepared = false;
  weir::sdk::for_each_parameter_set(sets, out, [&](const boost::json::value& set) {
    const Parameters params(&set);
    if (!prepared) {
      runner_.prepare("", sql.c_str(), params, deadline);
      prepared = true;
    }
    const auto result = runner_.run_prepared("", params, deadline);
    write_result(result.get(), column_types(result.get(), timeout), out);
  });
}

}  // namespace weir::postgres
