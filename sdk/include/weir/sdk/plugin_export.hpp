// Turns a C++ driver class into a weir plugin: the author writes
//
//   struct MyDriver {
//     static constexpr weir::sdk::PluginInfo info{"mydb", "1.0.0", "My database",
//                                                 WEIR_KIND_SQL, WEIR_CAP_PARAMETERS};
//     static std::unique_ptr<weir::sdk::ConnectionFactory> open(const weir::sdk::OpenContext&);
//   };
//   WEIR_EXPORT_PLUGIN(MyDriver)
//
// and this header supplies the entry symbol, the function table and the
// trampolines. A driver may also define
//
//     static void validate(const weir::sdk::OpenContext&);
//
// the settings half of open(): it reads and checks every connection setting
// (throwing Error(WEIR_E_INVALID_CONFIG) naming the field) without connecting
// or creating files, and becomes the plugin's validate_config. The
// trampolines: each catches every exception and maps it to a status code plus
// a filled weir_error, so nothing unwinds across the C boundary.
#pragma once

#include <weir/plugin.h>
#include <weir/sdk/config_reader.hpp>
#include <weir/sdk/connection.hpp>
#include <weir/sdk/error.hpp>
#include <weir/sdk/event_loop.hpp>
#include <weir/sdk/json_parse.hpp>
#include <weir/sdk/log.hpp>
#include <weir/sdk/pool.hpp>
#include <weir/sdk/value_writer.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstring>
#include <filesystem>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <utility>

namespace weir::sdk {

struct PluginInfo {
  const char* name;
  const char* version;
  const char* description;
  std::uint32_t kind;
  std::uint64_t capabilities;
};

// What a driver's open() gets: the database's name, its "connection" settings,
// the workspace data directory for relative paths, and its "pool" settings
// (already validated; the SDK pool around the factory uses them) for a driver
// that keeps pools of its own, e.g. one per cluster member.
struct OpenContext {
  std::string database;
  ConfigReader connection;
  std::filesystem::path data_dir;
  PoolConfig pool;
};

namespace detail {

// Runs `body`, mapping any exception to a status and a filled weir_error.
template <class Body>
weir_status guarded(weir_error* error, Body&& body) noexcept {
  try {
    body();
    return WEIR_OK;
  } catch (const Error& e) {
    return fill_error(error, e);
  } catch (const std::bad_alloc&) {
    return fill_error(error, Error(WEIR_E_INTERNAL, "out of memory", true));
  } catch (const std::exception& e) {
    return fill_error(error, Error(WEIR_E_INTERNAL, std::string("plugin error: ") + e.what()));
  } catch (...) {
    return fill_error(error, Error(WEIR_E_INTERNAL, "plugin error: unknown exception"));
  }
}

// Parses a JSON object handed over the ABI; `invalid` is the status for bad input
// (WEIR_E_INVALID_CONFIG for pool settings, WEIR_E_INVALID_REQUEST for requests).
inline boost::json::object parse_object(const char* json, std::size_t length, const char* what,
                                        weir_status invalid = WEIR_E_INVALID_REQUEST) {
  if (json == nullptr || length == 0) return {};
  boost::system::error_code ec;
  auto value = weir::sdk::parse_json(std::string_view(json, length), ec);
  if (ec) throw Error(invalid, std::string(what) + " is not valid JSON: " + ec.message());
  if (!value.is_object()) throw Error(invalid, std::string(what) + " must be a JSON object");
  return std::move(value.get_object());
}

inline Pool& pool_of(weir_pool* p) noexcept { return *reinterpret_cast<Pool*>(p); }
inline Pool::Lease& lease_of(weir_conn* c) noexcept { return *reinterpret_cast<Pool::Lease*>(c); }
inline Connection& connection_of(weir_conn* c) noexcept { return *lease_of(c).connection; }

// What begin, commit and rollback on `lease` may spend: the time left before
// its request's deadline, at least 1 ms once that passed (a rollback after a
// statement timed out is still tried); 0 without a deadline.
inline std::chrono::milliseconds time_left(const Pool::Lease& lease) noexcept {
  if (!lease.deadline) return std::chrono::milliseconds(0);
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(*lease.deadline -
                                                                 std::chrono::steady_clock::now());
  return std::max(left, std::chrono::milliseconds(1));
}

// Copies `full` into the caller's struct, writing no byte at or beyond the
// struct_size the caller set (an older host knows a shorter struct).
template <class Struct>
void copy_within_size(const Struct& full, Struct* out) noexcept {
  if (out == nullptr || out->struct_size <= sizeof(std::uint32_t)) return;
  const std::size_t n = std::min<std::size_t>(out->struct_size, sizeof(Struct));
  std::memcpy(reinterpret_cast<char*>(out) + sizeof(std::uint32_t),
              reinterpret_cast<const char*>(&full) + sizeof(std::uint32_t),
              n - sizeof(std::uint32_t));
}

// A connection that broke mid-request is never handed out again, whatever
// flags the host passes on release.
template <class Body>
weir_status on_connection(weir_conn* conn, weir_error* error, Body&& body) noexcept {
  const weir_status status = guarded(error, std::forward<Body>(body));
  if (status == WEIR_E_BROKEN) lease_of(conn).broken = true;
  return status;
}

template <class Driver>
struct Trampolines {
  // Reads `params` as pool_open and validate_config both do, every setting
  // checked, and runs `body` with the result.
  template <class Body>
  static weir_status with_settings(const weir_pool_params* params, weir_error* error,
                                   Body&& body) noexcept {
    return guarded(error, [&] {
      const std::string database = params->database != nullptr ? params->database : "";
      const auto config = parse_object(params->config_json, params->config_length,
                                       "database config", WEIR_E_INVALID_CONFIG);
      const ConfigReader root(config, "databases." + database);
      const OpenContext context{
          database, root.child("connection"),
          std::filesystem::path(params->data_dir != nullptr ? params->data_dir : "."),
          PoolConfig::from(root.child("pool"))};
      body(context);
    });
  }
  static weir_status pool_open(const weir_pool_params* params, weir_pool** out,
                               weir_error* error) noexcept {
    return with_settings(params, error, [&](const OpenContext& context) {
      auto factory = Driver::open(context);
      *out = reinterpret_cast<weir_pool*>(
          new Pool(context.pool, std::move(factory), context.database));
    });
  }
  // A driver checks its own settings in validate(context), the settings half of
  // its open(); without one, only the pool settings are checked before opening.
  static weir_status validate_config(const weir_pool_params* params, weir_error* error) noexcept {
    return with_settings(params, error, [](const OpenContext& context) {
      if constexpr (requires { Driver::validate(context); }) {
        Driver::validate(context);
      } else {
        throw Error(WEIR_E_NOT_IMPLEMENTED,
                    "this plugin checks its connection settings only when the pool opens");
      }
    });
  }
  static void pool_close(weir_pool* pool) noexcept { delete &pool_of(pool); }

  // What the host asks of an acquire: the pool's options, and the request's deadline
  // (counted from the acquire call, as the host computed it) for the lease.
  struct Asked {
    AcquireOptions options;
    std::optional<std::chrono::steady_clock::time_point> deadline;
  };
  static Asked asked(weir_pool* pool, const weir_acquire_options* options) {
    Asked asked;
    if (options == nullptr) return asked;
    if (options->struct_size >=
            offsetof(weir_acquire_options, deadline_ms) + sizeof(std::uint32_t) &&
        options->deadline_ms > 0) {
      asked.deadline =
          std::chrono::steady_clock::now() + std::chrono::milliseconds(options->deadline_ms);
    }
    // The caller's limit (its request deadline) may shorten the wait, never
    // lengthen it past the operator's acquire_timeout_ms.
    const std::chrono::milliseconds limit(options->timeout_ms);
    const auto configured = pool_of(pool).config().acquire_timeout;
    asked.options.timeout = limit.count() > 0 ? std::min(limit, configured) : configured;
    if (options->client_id != nullptr) asked.options.client_id = options->client_id;
    if (options->tag != nullptr) asked.options.tag = options->tag;
    return asked;
  }

  // acquire and acquire_ready: `take` leases with the host's options (null: none ready).
  template <class Take>
  static weir_status lease_with(weir_pool* pool, const weir_acquire_options* options,
                                weir_conn** out, weir_error* error, Take&& take) noexcept {
    return guarded(error, [&] {
      const Asked a = asked(pool, options);
      Pool::Lease* lease = take(pool_of(pool), a.options);
      if (lease == nullptr) throw Error(WEIR_E_WOULD_BLOCK, "no connection is ready now");
      lease->deadline = a.deadline;
      *out = reinterpret_cast<weir_conn*>(lease);
    });
  }
  static weir_status acquire(weir_pool* pool, const weir_acquire_options* options, weir_conn** out,
                             weir_error* error) noexcept {
    return lease_with(pool, options, out, error,
                      [](Pool& p, const AcquireOptions& o) { return p.acquire(o); });
  }
  static weir_status acquire_ready(weir_pool* pool, const weir_acquire_options* options,
                                   weir_conn** out, weir_error* error) noexcept {
    return lease_with(pool, options, out, error,
                      [](Pool& p, const AcquireOptions& o) { return p.acquire_ready(o); });
  }
  static weir_status acquire_queued(weir_pool* pool, const weir_acquire_options* options,
                                    const weir_acquire_completion* done,
                                    weir_error* error) noexcept {
    return guarded(error, [&] {
      const Asked a = asked(pool, options);
      auto granted = [done, deadline = a.deadline](Pool::Lease* lease,
                                                   const Error* failure) noexcept {
        if (lease != nullptr) {
          lease->deadline = deadline;
          return done->granted(done->host_data, WEIR_OK, reinterpret_cast<weir_conn*>(lease),
                               nullptr);
        }
        weir_error e{};
        e.struct_size = sizeof e;
        e.status = WEIR_E_INTERNAL;  // stays when the pool ran out of memory saying why
        if (failure != nullptr) fill_error(&e, *failure);
        done->granted(done->host_data, e.status, nullptr, &e);
      };
      if (!pool_of(pool).acquire_queued(a.options, std::move(granted)))
        throw Error(WEIR_E_WOULD_BLOCK, "getting a connection waits on the backend");
    });
  }
  static void release(weir_pool* pool, weir_conn* conn, std::uint32_t flags) noexcept {
    auto& lease = lease_of(conn);
    pool_of(pool).release(&lease, lease.broken || (flags & WEIR_RELEASE_BROKEN) != 0);
  }
  static int release_ready(weir_pool* pool, weir_conn* conn) noexcept {
    return pool_of(pool).release_ready(&lease_of(conn)) ? 1 : 0;
  }
  static void pool_stats(weir_pool* pool, weir_pool_stats* out) noexcept {
    weir_pool_stats full{};
    pool_of(pool).stats(full);
    copy_within_size(full, out);
  }
  static weir_status pool_drain(weir_pool* pool, std::uint32_t timeout_ms,
                                std::uint32_t* forced) noexcept {
    const auto n = pool_of(pool).drain(std::chrono::milliseconds(timeout_ms));
    if (forced != nullptr) *forced = n;
    return WEIR_OK;
  }
  static weir_status pool_describe(weir_pool* pool, weir_value_writer* out) noexcept {
    return guarded(nullptr, [&] {
      ValueWriter writer(out);
      pool_of(pool).describe(writer);
    });
  }
  static void pool_health(weir_pool* pool, weir_health* out) noexcept {
    weir_health full{};
    pool_of(pool).health(full);
    copy_within_size(full, out);
  }

  static weir_status check(weir_conn* conn, std::uint32_t /*timeout_ms*/, weir_value_writer* detail,
                           weir_error* error) noexcept {
    return on_connection(conn, error, [&] {
      auto& c = connection_of(conn);
      if (!c.ping())
        throw Error(WEIR_E_BROKEN, "the backend did not answer the liveness check", true);
      ValueWriter writer(detail);
      c.describe_backend(writer);
    });
  }
  static weir_status execute(weir_conn* conn, const char* request, std::size_t length,
                             const weir_exec_options* options, weir_value_writer* result,
                             weir_error* error) noexcept {
    return on_connection(conn, error, [&] {
      const auto object = parse_object(request, length, "request");
      ValueWriter writer(result);
      connection_of(conn).execute(object, exec_options(options), writer);
    });
  }
  static weir_status execute_async(weir_conn* conn, weir_loop* loop, const char* request,
                                   std::size_t length, const weir_exec_options* options,
                                   weir_value_writer* result, const weir_completion* done,
                                   weir_error* error) noexcept {
    return on_connection(conn, error, [&] {
      const auto object = parse_object(request, length, "request");
      connection_of(conn).execute_async(object, exec_options(options), ValueWriter(result),
                                        EventLoop(detail::current_host().load(), loop),
                                        Completion(done, &lease_of(conn).broken));
    });
  }
  static ExecOptions exec_options(const weir_exec_options* options) noexcept {
    ExecOptions o;
    if (options != nullptr) {
      o.timeout = std::chrono::milliseconds(options->timeout_ms);
      o.read_only = (options->flags & WEIR_EXEC_READ_ONLY) != 0;
      o.streamed = (options->flags & WEIR_EXEC_STREAMED) != 0;
      o.primary = (options->flags & WEIR_EXEC_PRIMARY) != 0;
      o.parameter_sets = (options->flags & WEIR_EXEC_PARAMETER_SETS) != 0;
    }
    return o;
  }
  static weir_status begin(weir_conn* conn, const char* json, std::size_t length,
                           weir_error* error) noexcept {
    return on_connection(conn, error, [&] {
      const auto options = parse_object(json, length, "transaction options");
      connection_of(conn).begin(options, time_left(lease_of(conn)));
    });
  }
  static weir_status commit(weir_conn* conn, weir_error* error) noexcept {
    return on_connection(conn, error,
                         [&] { connection_of(conn).commit(time_left(lease_of(conn))); });
  }
  static weir_status rollback(weir_conn* conn, weir_error* error) noexcept {
    return on_connection(conn, error,
                         [&] { connection_of(conn).rollback(time_left(lease_of(conn))); });
  }
  static weir_status cancel(weir_conn* conn) noexcept {
    connection_of(conn).cancel();
    return WEIR_OK;
  }

  static weir_status entry(std::uint32_t host_version, const weir_host* host, weir_plugin* plugin,
                           weir_error* error) noexcept {
    if (host_version < WEIR_ABI_VERSION_1) {
      return fill_error(
          error, Error(WEIR_E_ABI, "host offers ABI version " + std::to_string(host_version) +
                                       "; this plugin needs version 1 or newer"));
    }
    if (plugin == nullptr || plugin->struct_size < WEIR_PLUGIN_V1_SIZE) {
      return fill_error(error,
                        Error(WEIR_E_ABI, "host's plugin table is smaller than ABI version 1"));
    }
    set_host(host);
    // A v1 host's table ends at cancel: nothing of version 2 may be written into it.
    const bool v2 = host_version >= WEIR_ABI_VERSION_2 &&
                    plugin->struct_size >= offsetof(weir_plugin, validate_config) + sizeof(void*);
    plugin->abi_version = v2 ? WEIR_ABI_VERSION_2 : WEIR_ABI_VERSION_1;
    plugin->name = Driver::info.name;
    plugin->version = Driver::info.version;
    plugin->description = Driver::info.description;
    plugin->kind = Driver::info.kind;
    plugin->capabilities = Driver::info.capabilities;
    plugin->pool_open = pool_open;
    plugin->pool_close = pool_close;
    plugin->acquire = acquire;
    plugin->release = release;
    plugin->pool_stats = pool_stats;
    plugin->pool_drain = pool_drain;
    plugin->pool_describe = pool_describe;
    plugin->pool_health = pool_health;
    plugin->check = check;
    plugin->execute = execute;
    plugin->begin = begin;
    plugin->commit = commit;
    plugin->rollback = rollback;
    plugin->cancel = cancel;
    if (v2) plugin->validate_config = validate_config;
    // A driver that declares it runs requests on the host's loop; the host's stub fills
    // the slot of every other (and the host drops the capability when the slot is missing).
    if (v2 && (Driver::info.capabilities & WEIR_CAP_EXECUTE_ASYNC) != 0 &&
        plugin->struct_size >= offsetof(weir_plugin, execute_async) + sizeof(void*))
      plugin->execute_async = execute_async;
    if (v2 && plugin->struct_size >= offsetof(weir_plugin, release_ready) + sizeof(void*)) {
      plugin->acquire_ready = acquire_ready;
      plugin->release_ready = release_ready;
    }
    if (v2 && plugin->struct_size >= offsetof(weir_plugin, acquire_queued) + sizeof(void*))
      plugin->acquire_queued = acquire_queued;
    return WEIR_OK;
  }
};

}  // namespace detail
}  // namespace weir::sdk

// Defines the plugin's one exported symbol for `Driver`.
#define WEIR_EXPORT_PLUGIN(Driver)                                                                 \
  extern "C" WEIR_EXPORT weir_status weir_plugin_entry(                                            \
      uint32_t host_abi_version, const weir_host* host, weir_plugin* plugin, weir_error* error) {  \
    return ::weir::sdk::detail::Trampolines<Driver>::entry(host_abi_version, host, plugin, error); \
  }
