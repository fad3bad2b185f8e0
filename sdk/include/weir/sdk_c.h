/*
 * weir/sdk_c.h — the weir SDK for plugin authors in C (and any language with
 * a C FFI).
 *
 * A C plugin implements a handful of callbacks in a weir_sdk_driver (open a
 * database, connect, execute, close, and optionally ping, reset,
 * transactions, cancel) and fills the whole weir_plugin table with one call:
 *
 *   WEIR_EXPORT weir_status weir_plugin_entry(uint32_t host_abi_version, const weir_host* host,
 *                                             weir_plugin* plugin, weir_error* error) {
 *     return weir_sdk_fill_plugin_table(host_abi_version, host, plugin, error, &my_driver);
 *   }
 *
 * The SDK's own pool (the one C++ plugins get) then sits around the
 * callbacks: FIFO waiting, validation, recycling, reconnect backoff, leak
 * detection, statistics, health, drain, and the database's "pool" settings
 * with errors that name the field (docs/pool.md). The readers below give the
 * driver's own settings and requests the same field-named errors.
 *
 * The library behind this header (weir::sdk_c, a static library) is C++
 * inside; nothing C++ crosses this header and no exception escapes it.
 *
 * Ownership
 *   - Strings passed in are borrowed for the call; copy what you keep.
 *   - weir_sdk_json handles, and every string a reader hands out, belong to
 *     the SDK and stay valid until the callback that received the document
 *     (open_database's settings, execute's request, begin's options) returns.
 *   - The driver's own handles (the `database` and `connection` pointers)
 *     belong to the driver; the SDK hands each back to the driver's close
 *     callback exactly once.
 *   - Every weir_error a callback receives is owned by the SDK, full-sized
 *     (sizeof(weir_error)) and zeroed: write it with weir_sdk_error().
 *
 * Threads (see each callback too)
 *   open_database, close_database and connect may run on any thread, for
 *   different databases at once. A connection is used by one thread at a
 *   time, except cancel, which may come from any thread while execute runs.
 *   Connections of one database may run at once on different threads, so
 *   state shared through `database` needs a lock.
 *
 * Errors
 *   Callbacks return WEIR_OK or a WEIR_E_* status and fill the weir_error
 *   they got. The SDK forwards status, message, code, detail and retryable to
 *   the host. A connection whose callback returns WEIR_E_BROKEN is closed
 *   instead of reused. Return WEIR_E_UNAVAILABLE with retryable = 1 from
 *   connect while the backend is down: the pool backs off and retries.
 */
#ifndef WEIR_SDK_C_H
#define WEIR_SDK_C_H

#include <weir/plugin.h>

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Reading JSON settings and requests with field-named errors               */
/* ------------------------------------------------------------------------ */

/**
 * A borrowed view of one JSON value from a document the SDK parsed (the
 * database's "connection" settings, a request, transaction options) and its
 * field path, e.g. "databases.main.connection" or "request.params".
 *
 * Every reader below fails with a message "<path>.<key>: <what is wrong>",
 * e.g. "databases.main.connection.flush_every: must be an integer from 1 to
 * 1000, got 0". The status is WEIR_E_INVALID_CONFIG for settings and
 * WEIR_E_INVALID_REQUEST for requests and transaction options. An absent key
 * or a JSON null reads as the fallback. Readers are thread-safe on distinct
 * documents; a document is read by the thread of its callback.
 */
typedef struct weir_sdk_json weir_sdk_json;

/**
 * A string member. `fallback` NULL makes the key required (a non-empty
 * string). A string holding a NUL character (\u0000) is refused, so `*out` is
 * an ordinary C string. `*out` is borrowed (see Ownership).
 */
weir_status weir_sdk_read_string(const weir_sdk_json* object, const char* key, const char* fallback,
                                 const char** out, weir_error* error);

/** An integer member in [min, max]. */
weir_status weir_sdk_read_int(const weir_sdk_json* object, const char* key, int64_t fallback,
                              int64_t min, int64_t max, int64_t* out, weir_error* error);

/** A boolean member (true or false); `*out` is 1 or 0. */
weir_status weir_sdk_read_bool(const weir_sdk_json* object, const char* key, int fallback, int* out,
                               weir_error* error);

/**
 * A file path member, resolved against the workspace data directory: a
 * relative path lands under it and may never climb out of it ("../x" is
 * refused); an absolute path is the operator's explicit choice and is kept.
 * `fallback` NULL makes the key required. `*out` (absolute) is borrowed.
 */
weir_status weir_sdk_read_path(const weir_sdk_json* object, const char* key, const char* fallback,
                               const char** out, weir_error* error);

/** A nested object member; absent reads as an empty object. `*out` is borrowed. */
weir_status weir_sdk_read_object(const weir_sdk_json* object, const char* key,
                                 const weir_sdk_json** out, weir_error* error);

/** An array member; absent reads as an empty array. `*out` is borrowed. */
weir_status weir_sdk_read_array(const weir_sdk_json* object, const char* key,
                                const weir_sdk_json** out, weir_error* error);

/** How many elements an array (or members an object) has; 0 for a scalar. */
size_t weir_sdk_json_size(const weir_sdk_json* value);

/** Element `index` of an array, as a string (path "<path>[<index>]"). */
weir_status weir_sdk_read_string_at(const weir_sdk_json* array, size_t index, const char** out,
                                    weir_error* error);

/** Element `index` of an array, as an integer in [min, max]. */
weir_status weir_sdk_read_int_at(const weir_sdk_json* array, size_t index, int64_t min, int64_t max,
                                 int64_t* out, weir_error* error);

/**
 * Refuses every member of `object` whose key is not in `keys` (a
 * NULL-terminated list), naming it and listing the known keys: a typo in a
 * setting is an error, not a silently ignored value.
 */
weir_status weir_sdk_allow_only(const weir_sdk_json* object, const char* const* keys,
                                weir_error* error);

/**
 * Fails for a check of the driver's own: fills `error` with
 * "<path>.<key>: <what>" ("<path>: <what>" when `key` is NULL) and the
 * document's status (see above), and returns that status.
 */
weir_status weir_sdk_invalid(const weir_sdk_json* object, const char* key, const char* what,
                             weir_error* error);

/* ------------------------------------------------------------------------ */
/* Errors and results                                                       */
/* ------------------------------------------------------------------------ */

/** weir_sdk_error's `retryable` beyond 0 (the status's default, plugin.h's
 *  table) and 1 (retryable even where the status is not by default): the
 *  driver's own verdict, which the host keeps over the status's default
 *  (weir_error.retryable_decided). RETRY_NO suits WEIR_E_BROKEN once a write
 *  may have reached the backend; RETRY_YES with WEIR_E_BROKEN says nothing
 *  reached it, and the host then runs the request once more on a fresh lease. */
#define WEIR_SDK_RETRY_NO 2
#define WEIR_SDK_RETRY_YES 3

/**
 * Fills `error` (may be NULL; never written past its struct_size) with
 * `status`, `retryable` (0, 1, WEIR_SDK_RETRY_NO or WEIR_SDK_RETRY_YES) and a
 * printf-formatted message, truncated to fit, and returns `status`:
 * `return weir_sdk_error(error, WEIR_E_NOT_FOUND, 0, "no key \"%s\"", key);`.
 * Put the backend's own code in error->code. Thread-safe.
 */
weir_status weir_sdk_error(weir_error* error, weir_status status, int retryable, const char* format,
                           ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/*
 * Shorthands for a weir_value_writer: each returns the writer's answer, 0 to
 * go on. The writers the SDK hands to execute and describe_backend are
 * sticky: once the host asks to stop, every later call does nothing and
 * returns non-zero, and the SDK reports WEIR_E_ABORTED whatever the callback
 * returns. So a callback may ignore the answers, or check them to stop early.
 * Strings are borrowed for the call; `utf8` in write_string and key is
 * NUL-terminated.
 */
int weir_sdk_write_null(weir_value_writer* writer);
int weir_sdk_write_bool(weir_value_writer* writer, int value);
int weir_sdk_write_int(weir_value_writer* writer, int64_t value);
int weir_sdk_write_double(weir_value_writer* writer, double value);
int weir_sdk_write_string(weir_value_writer* writer, const char* utf8);
int weir_sdk_write_key(weir_value_writer* writer, const char* utf8);
int weir_sdk_begin_array(weir_value_writer* writer);
int weir_sdk_end_array(weir_value_writer* writer);
int weir_sdk_begin_object(weir_value_writer* writer);
int weir_sdk_end_object(weir_value_writer* writer);

/* ------------------------------------------------------------------------ */
/* The driver                                                               */
/* ------------------------------------------------------------------------ */

/**
 * What a C plugin implements. Static data: it must outlive the loaded
 * library (a `static const` struct). Set struct_size to sizeof(weir_sdk_driver).
 * Slots marked optional may be NULL.
 */
typedef struct weir_sdk_driver {
  uint32_t struct_size;
  const char* name;        /* required: [a-z0-9_]+, static */
  const char* version;     /* required: static */
  const char* description; /* optional, static */
  uint32_t kind;           /* WEIR_KIND_* */
  uint64_t capabilities;   /* WEIR_CAP_*; the SDK checks the matching slots are set */

  /**
   * Reads and validates the database's "connection" settings when its pool
   * opens, before any connect: fail with weir_sdk_invalid / the readers
   * (WEIR_E_INVALID_CONFIG naming the field). A backend that is down is not
   * an error here. On success `*database` (may stay NULL) is the driver's
   * per-database state, handed to connect and, once, to close_database.
   * The SDK also calls it, then close_database, to check the settings before
   * any pool opens (the plugin's validate_config: at start, on reload and for
   * `weir check-config`), so it must only read, check and allocate: no
   * connecting, no files created. Any thread.
   */
  weir_status (*open_database)(const weir_sdk_json* settings, void** database, weir_error* error);
  /** Optional. Frees `database` after its last connection closed. */
  void (*close_database)(void* database);

  /**
   * Opens one connection. WEIR_E_UNAVAILABLE + retryable while the backend
   * cannot be reached. Any thread, several at once for one database.
   * `*connection` is the driver's, until close.
   */
  weir_status (*connect)(void* database, void** connection, weir_error* error);
  /** Closes a connection; it is never used again. Never fails. */
  void (*close)(void* connection);

  /**
   * Runs one request and writes its result (see weir_plugin::execute for the
   * shapes). `request` is the parsed request object, path "request"; a
   * request that is not a JSON object never reaches the driver
   * (WEIR_E_INVALID_REQUEST). `options` is never NULL. On failure the result
   * may be partial; the host discards it.
   */
  weir_status (*execute)(void* connection, const weir_sdk_json* request,
                         const weir_exec_options* options, weir_value_writer* result,
                         weir_error* error);

  /** Optional. A cheap liveness check before a stale idle connection is
   *  reused: non-zero when alive. NULL = always alive. */
  int (*ping)(void* connection);
  /** Optional. Returns the session to a fresh connection's state before
   *  reuse (after rollback when in a transaction); failing closes it. */
  weir_status (*reset)(void* connection, weir_error* error);
  /** Optional. Writes one object describing the backend for health checks
   *  (at least "server_version" when known). NULL writes {}. */
  weir_status (*describe_backend)(void* connection, weir_value_writer* detail, weir_error* error);

  /** Optional, with WEIR_CAP_TRANSACTIONS: `options` (path "options") is
   *  the client's object, e.g. {"read_only": true}; empty when none.
   *  `timeout_ms` is the time left before the deadline of the request the
   *  lease serves (weir_acquire_options.deadline_ms; at least 1 once it has
   *  passed); 0 = none (the SDK rolling back on release, a host that passed
   *  no deadline), when the driver bounds its wait itself. Past it, return
   *  WEIR_E_TIMEOUT (see weir_plugin.begin). */
  weir_status (*begin)(void* connection, const weir_sdk_json* options, uint32_t timeout_ms,
                       weir_error* error);
  weir_status (*commit)(void* connection, uint32_t timeout_ms, weir_error* error);
  weir_status (*rollback)(void* connection, uint32_t timeout_ms, weir_error* error);
  /** Whether a transaction is open: the SDK rolls it back on release. */
  int (*in_transaction)(void* connection);

  /** Optional, with WEIR_CAP_CANCEL: asks the execute running on `connection`
   *  to stop (it then returns WEIR_E_CANCELLED). Called from any thread,
   *  also when nothing runs: keep it to an atomic flag or the backend's
   *  thread-safe interrupt. */
  void (*cancel)(void* connection);
} weir_sdk_driver;

/**
 * The whole body of a C plugin's weir_plugin_entry: negotiates the ABI
 * version (WEIR_E_ABI for an offer of 0 or a table smaller than v1, writing
 * nothing into it), routes the SDK's log lines to `host`, checks `driver`
 * (WEIR_E_INTERNAL naming a missing callback) and fills every slot of
 * `plugin` with the SDK's pool around the driver's callbacks.
 * `driver` is borrowed for as long as the library stays loaded.
 * Called once, on one thread, like the entry itself.
 */
weir_status weir_sdk_fill_plugin_table(uint32_t host_abi_version, const weir_host* host,
                                       weir_plugin* plugin, weir_error* error,
                                       const weir_sdk_driver* driver);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* WEIR_SDK_C_H */
