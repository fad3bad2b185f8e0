#include "connection_factory.hpp"

#include "pg_connection.hpp"
#include "pg_error.hpp"

#include <poll.h>

#include <chrono>
#include <vector>

namespace weir::postgres {
namespace {

using weir::sdk::Error;
using Clock = std::chrono::steady_clock;

bool contains(const std::string& text, const char* what) {
  return text.find(what) != std::string::npos;
}

// Defence in depth: libpq does not echo passwords, and we make sure of it.
std::string without_secret(std::string text, const std::string& secret) {
  if (secret.empty()) return text;
  for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at)) {
    text.replace(at, secret.size(), "***");
  }
  return text;
}

Error connect_failure(PGconn* conn, const Settings& settings, const std::string& password) {
  const std::string why = without_secret(last_error(conn), password);
  const std::string where = "PostgreSQL at " + settings.target();
  if (PQconnectionNeedsPassword(conn)) {
    return Error(WEIR_E_UNAUTHENTICATED, where +
                                             " asks for a password and none is configured "
                                             "(set password_env or password_file)");
  }
  if (contains(why, "authentication failed") || contains(why, "no pg_hba.conf entry") ||
      (contains(why, "role \"") && contains(why, "does not exist"))) {
    return Error(WEIR_E_UNAUTHENTICATED, where + " refused our credentials: " + why);
  }
  if (contains(why, "database \"") && contains(why, "does not exist")) {
    return Error(WEIR_E_NOT_FOUND, where + ": " + why);
  }
  return Error(WEIR_E_UNAVAILABLE, "cannot connect to " + where + ": " + why, true);
}

}  // namespace

std::unique_ptr<weir::sdk::Connection> PgConnectionFactory::connect(
    const weir::sdk::ConnectOptions& options) {
  const std::string password = settings_.password.read();
  std::vector<const char*> keys, values;
  for (const auto& [k, v] : settings_.libpq) {
    keys.push_back(k.c_str());
    values.push_back(v.c_str());
  }
  if (!password.empty()) {
    keys.push_back("password");
    values.push_back(password.c_str());
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);

  std::unique_ptr<PGconn, decltype(&PQfinish)> conn(
      PQconnectStartParams(keys.data(), values.data(), 0), &PQfinish);
  if (!conn) throw Error(WEIR_E_INTERNAL, "libpq could not allocate a connection", true);
  if (PQstatus(conn.get()) == CONNECTION_BAD)
    throw connect_failure(conn.get(), settings_, password);

  // Our own deadline across every host in the list: libpq's connect_timeout
  // is per host and in whole seconds.
  const auto bound = options.bound(settings_.connect_timeout);
  const auto deadline = Clock::now() + bound;
  auto state = PGRES_POLLING_WRITING;
  while (state != PGRES_POLLING_OK) {
    if (state == PGRES_POLLING_FAILED) throw connect_failure(conn.get(), settings_, password);
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      throw Error(WEIR_E_UNAVAILABLE,
                  "cannot connect to PostgreSQL at " + settings_.target() + ": no answer within " +
                      std::to_string(bound.count()) + " ms",
                  true);
    }
    pollfd fd{PQsocket(conn.get()),
              static_cast<short>(state == PGRES_POLLING_READING ? POLLIN : POLLOUT), 0};
    const int ready = ::poll(&fd, 1, static_cast<int>(left.count()));
    if (ready > 0) state = PQconnectPoll(conn.get());
  }
  return std::make_unique<PgConnection>(conn.release(), settings_.reset,
                                        settings_.statement_cache_size);
}

}  // namespace weir::postgres
