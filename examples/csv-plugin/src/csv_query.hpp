// A CSV request: which file, which columns, which rows. The request is
//   {"query": "people.csv",
//    "params": {"columns": ["name", "age"], "where": {"city": "Paris"},
//               "offset": 0, "limit": 10}}
// where every member of "params" is optional (see README.md).
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace weir_csv {

struct CsvQuery {
  std::string file;                  // a file name in the CSV directory, ending in .csv
  std::vector<std::string> columns;  // empty = every column, in file order
  std::vector<std::pair<std::string, boost::json::value>> where;  // all must equal
  std::uint64_t offset = 0;                                       // matching rows to skip
  std::optional<std::uint64_t> limit;
};

// Throws Error(WEIR_E_INVALID_REQUEST) saying what is wrong with the request.
CsvQuery parse_query(const boost::json::object& request);

}  // namespace weir_csv
