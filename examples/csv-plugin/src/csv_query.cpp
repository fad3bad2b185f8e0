#include "csv_query.hpp"

#include <weir/sdk/error.hpp>

#include <boost/json.hpp>

#include <initializer_list>
#include <string_view>

namespace weir_csv {
namespace {

[[noreturn]] void refuse(const std::string& message) {
  throw weir::sdk::Error(WEIR_E_INVALID_REQUEST, message);
}

void allow_only(const boost::json::object& object, const std::string& what,
                std::initializer_list<std::string_view> known) {
  for (const auto& member : object) {
    bool found = false;
    for (const auto k : known) found = found || member.key() == k;
    if (found) continue;
    std::string list;
    for (const auto k : known) list += (list.empty() ? "" : ", ") + std::string(k);
    refuse(what + " member \"" + std::string(member.key()) + "\" is not known (known: " + list +
           ")");
  }
}

// The file must be a plain name in the CSV directory: no way out of it.
std::string file_name(const boost::json::value* query) {
  if (query == nullptr || !query->is_string() || query->get_string().empty()) {
    refuse("request needs \"query\": the name of a .csv file, e.g. \"people.csv\"");
  }
  const std::string name(query->get_string());
  const bool plain = name.find('/') == std::string::npos && name.find('\\') == std::string::npos &&
                     name.front() != '.';
  if (!plain || !name.ends_with(".csv")) {
    refuse("query must be a .csv file name in the CSV directory (no '/', no leading '.'), got \"" +
           name + "\"");
  }
  return name;
}

std::uint64_t count(const boost::json::value& value, const char* what) {
  if (value.is_uint64()) return value.get_uint64();
  if (value.is_int64() && value.get_int64() >= 0)
    return static_cast<std::uint64_t>(value.get_int64());
  refuse(std::string("params.") + what + " must be a non-negative integer, got " +
         boost::json::serialize(value));
}

}  // namespace

CsvQuery parse_query(const boost::json::object& request) {
  allow_only(request, "request", {"query", "params"});
  CsvQuery query;
  query.file = file_name(request.if_contains("query"));

  const auto* params = request.if_contains("params");
  if (params == nullptr || params->is_null()) return query;
  if (!params->is_object()) refuse("params must be an object");
  const auto& object = params->get_object();
  allow_only(object, "params", {"columns", "where", "offset", "limit"});

  if (const auto* columns = object.if_contains("columns")) {
    if (!columns->is_array()) refuse("params.columns must be an array of column names");
    for (const auto& column : columns->get_array()) {
      if (!column.is_string()) refuse("params.columns must be an array of column names");
      query.columns.emplace_back(column.get_string());
    }
  }
  if (const auto* where = object.if_contains("where")) {
    if (!where->is_object()) refuse("params.where must be an object of column: value");
    for (const auto& [column, value] : where->get_object()) {
      if (value.is_array() || value.is_object()) {
        refuse("params.where." + std::string(column) +
               " must be a string, number, boolean or null");
      }
      query.where.emplace_back(std::string(column), value);
    }
  }
  if (const auto* offset = object.if_contains("offset")) query.offset = count(*offset, "offset");
  if (const auto* limit = object.if_contains("limit")) query.limit = count(*limit, "limit");
  return query;
}

}  // namespace weir_csv
