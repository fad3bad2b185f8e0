#include "session_tracking.hpp"

#include <cctype>
#include <string>

namespace weir::postgres {
namespace {

// Skips whitespace, parentheses and comments before the first keyword.
std::size_t first_keyword(std::string_view sql) {
  std::size_t i = 0;
  while (i < sql.size()) {
    const char c = sql[i];
    if (std::isspace(static_cast<unsigned char>(c)) || c == '(') {
      ++i;
    } else if (sql.substr(i, 2) == "--") {
      const auto end = sql.find('\n', i);
      i = end == std::string_view::npos ? sql.size() : end + 1;
    } else if (sql.substr(i, 2) == "/*") {
      const auto end = sql.find("*/", i + 2);
      i = end == std::string_view::npos ? sql.size() : end + 2;
    } else {
      break;
    }
  }
  return i;
}

}  // namespace

bool may_touch_session(std::string_view sql) {
  // ASCII only, as SQL keywords are: std::tolower would ask the locale for every character.
  std::string lower(sql);
  for (auto& c : lower)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  const auto start = first_keyword(lower);
  auto end = start;
  while (end < lower.size() && std::isalpha(static_cast<unsigned char>(lower[end]))) ++end;
  const std::string_view keyword = std::string_view(lower).substr(start, end - start);

  static constexpr std::string_view kClean[] = {
      "select",  "insert", "update", "delete", "with", "values",   "table", "merge",     "show",
      "explain", "begin",  "start",  "commit", "end",  "rollback", "abort", "savepoint", "release"};
  bool clean = false;
  for (auto k : kClean) clean = clean || keyword == k;
  if (!clean) return true;  // SET, CREATE TEMP, PREPARE, LISTEN, DECLARE, DO, CALL, ...

  // Inside an otherwise clean statement: session settings, session advisory
  // locks and SELECT ... INTO TEMP.
  static constexpr std::string_view kSessionFunctions[] = {
      "set_config", "pg_advisory_lock", "pg_try_advisory_lock", "temp", "dblink"};
  for (auto f : kSessionFunctions) {
    if (lower.find(f) != std::string::npos) return true;
  }
  return false;
}

}  // namespace weir::postgres
