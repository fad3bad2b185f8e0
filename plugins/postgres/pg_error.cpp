#include "pg_error.hpp"

namespace weir::postgres {
namespace {

using weir::sdk::Error;

std::string trimmed(const char* text) {
  std::string s = text != nullptr ? text : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string field(const PGresult* result, int code) {
  const char* value = PQresultErrorField(result, code);
  return value != nullptr ? value : "";
}

void append(std::string& out, const char* label, const std::string& value) {
  if (value.empty()) return;
  if (!out.empty()) out += "; ";
  out += label;
  out += ": ";
  out += value;
}

}  // namespace

weir_status status_for_sqlstate(std::string_view s) {
  if (s.size() != 5) return WEIR_E_UNKNOWN;
  const auto cls = s.substr(0, 2);
  // Exact codes first: they refine their class.
  if (s == "42501" || s == "25006") return WEIR_E_PERMISSION;  // privilege; write in read-only
  if (s == "57014") return WEIR_E_TIMEOUT;                     // statement cancelled / timed out
  if (s == "57P01" || s == "57P02") return WEIR_E_BROKEN;      // server terminated our session
  if (s == "57P03") return WEIR_E_UNAVAILABLE;                 // server starting or stopping
  if (s == "08P01") return WEIR_E_INVALID_REQUEST;             // e.g. wrong number of parameters
  if (s == "40001" || s == "40P01" || s == "55P03") return WEIR_E_CONFLICT;  // retry the work
  if (s == "3D000") return WEIR_E_NOT_FOUND;              // database does not exist
  if (cls == "23") return WEIR_E_CONFLICT;                // integrity constraint
  if (cls == "08") return WEIR_E_BROKEN;                  // connection exception
  if (cls == "28") return WEIR_E_UNAUTHENTICATED;         // invalid authorization
  if (cls == "53") return WEIR_E_UNAVAILABLE;             // out of resources (connections)
  if (cls == "XX" || cls == "58") return WEIR_E_UNKNOWN;  // server-internal / system error
  // Syntax, undefined objects, data exceptions, failed transaction, ...: the
  // statement was rejected and the caller must change it.
  return WEIR_E_QUERY;
}

bool retryable_sqlstate(std::string_view s) {
  if (s == "40001" || s == "40P01" || s == "55P03" || s == "57P01" || s == "57P02" ||
      s == "57P03") {
    return true;
  }
  return (s.substr(0, 2) == "08" && s != "08P01") || s.substr(0, 2) == "53";
}

Error error_from_result(const PGresult* result, const PGconn* conn) {
  const std::string sqlstate = field(result, PG_DIAG_SQLSTATE);
  if (sqlstate.empty()) {
    if (PQstatus(conn) == CONNECTION_BAD) {
      return broken_connection(conn, "lost the connection to PostgreSQL");
    }
    return Error(WEIR_E_UNKNOWN,
                 "PostgreSQL client error: " + trimmed(PQresultErrorMessage(result)));
  }
  std::string message = field(result, PG_DIAG_MESSAGE_PRIMARY);
  if (message.empty()) message = trimmed(PQresultErrorMessage(result));
  std::string detail;
  append(detail, "detail", field(result, PG_DIAG_MESSAGE_DETAIL));
  append(detail, "hint", field(result, PG_DIAG_MESSAGE_HINT));
  append(detail, "constraint", field(result, PG_DIAG_CONSTRAINT_NAME));
  append(detail, "position", field(result, PG_DIAG_STATEMENT_POSITION));
  weir_status status = status_for_sqlstate(sqlstate);
  bool retryable = retryable_sqlstate(sqlstate);
  // A session the server terminated is gone whatever the code says.
  if (PQstatus(conn) == CONNECTION_BAD && status != WEIR_E_UNAVAILABLE) {
    status = WEIR_E_BROKEN;
    retryable = true;
  }
  return Error(status, std::move(message), retryable, sqlstate, std::move(detail));
}

Error broken_connection(const PGconn* conn, std::string_view what) {
  return Error(WEIR_E_BROKEN, std::string(what) + ": " + last_error(conn), true);
}

std::string last_error(const PGconn* conn) { return one_line(PQerrorMessage(conn)); }

std::string one_line(const char* text) {
  // libpq's text spans lines with tab indents; log lines and JSON want one line.
  std::string s;
  for (const char* p = text; p != nullptr && *p != '\0'; ++p) {
    const bool space = *p == '\n' || *p == '\t' || *p == ' ';
    if (!space) {
      s += *p;
    } else if (!s.empty() && s.back() != ' ') {
      s += ' ';
    }
  }
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

}  // namespace weir::postgres
