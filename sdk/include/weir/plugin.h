/*
 * weir/plugin.h — the weir plugin C ABI, version 2.
 *
 * This header is the whole contract between the weir host and a backend
 * plugin (a shared library). It is C99 and carries no C++ types, so a plugin
 * can be written in any language that speaks the C calling convention. The
 * optional C++ helpers in <weir/sdk/...> implement it for C++ authors.
 *
 * Shape
 *   A plugin exports one symbol, WEIR_ENTRY_SYMBOL, of type weir_plugin_entry_fn.
 *   The host calls it once, offering the newest ABI version it speaks; the
 *   plugin answers with the version it implements (<= the offer) and fills a
 *   weir_plugin function table. Every struct that crosses the boundary starts
 *   with `struct_size`, written by whoever allocates it, so later versions can
 *   append fields: a reader only touches a field when
 *   offsetof(field) < struct_size. Fields are never reordered or removed, and
 *   status codes are never renumbered.
 *
 * Ownership (stated once here and again per function)
 *   - Strings and buffers passed *into* a function are borrowed for the
 *     duration of that call only; copy what you keep.
 *   - Memory the host keeps (results, error text, health detail) is written
 *     by the plugin through host-provided structs: results through a
 *     weir_value_writer, errors into a caller-owned weir_error. No memory
 *     allocated on one side is ever freed on the other.
 *   - weir_pool and weir_conn are opaque handles owned by the plugin.
 *   - Static strings in weir_plugin (name, version, description) live as long
 *     as the library stays loaded.
 *
 * Threads
 *   Unless a function says otherwise: a weir_pool may be used from any number
 *   of threads at once; a weir_conn is used by one thread at a time (the one
 *   that acquired it, or one it handed the lease to). cancel() and the pool
 *   statistics/health functions may be called from any thread at any time.
 *
 * Errors
 *   Functions that can fail return weir_status (WEIR_OK on success). On
 *   failure, when the caller passed a non-NULL weir_error, the plugin fills it
 *   (see weir_error). Nothing ever unwinds across this boundary: no C++
 *   exception, longjmp or signal may escape a plugin function.
 *
 * Versioning policy
 *   ABI version 1 is frozen: the sizes WEIR_*_V1_SIZE below are checked by the
 *   host's tests. A later version appends fields and raises
 *   WEIR_ABI_VERSION; a v1 plugin keeps loading in every later host.
 *   ABI version 2 appends weir_plugin.validate_config,
 *   weir_error.retryable_decided, weir_acquire_options.deadline_ms, the
 *   flags WEIR_EXEC_STREAMED, WEIR_EXEC_PARAMETER_SETS and WEIR_EXEC_PRIMARY
 *   and the capability WEIR_CAP_PARAMETER_SETS; then execute_async, the
 *   loop services, acquire_ready, release_ready and acquire_queued.
 *   Version 2 is still open
 *   for appends until the next release (the asynchronous execute joins it);
 *   its sizes are frozen then, as version 1's are now.
 */
#ifndef WEIR_PLUGIN_H
#define WEIR_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Versions and the entry symbol                                            */
/* ------------------------------------------------------------------------ */

/** ABI versions are plain integers; each release that appends to a struct adds one. */
#define WEIR_ABI_VERSION_1 1u
/** Appends weir_plugin.validate_config, weir_error.retryable_decided,
 *  weir_acquire_options.deadline_ms, WEIR_EXEC_STREAMED, WEIR_EXEC_PARAMETER_SETS
 *  and WEIR_CAP_PARAMETER_SETS. Open for appends
 *  until the next release. */
#define WEIR_ABI_VERSION_2 2u
/** The newest ABI version this header describes. */
#define WEIR_ABI_VERSION WEIR_ABI_VERSION_2

/** The one symbol every plugin exports (see weir_plugin_entry_fn). */
#define WEIR_ENTRY_SYMBOL "weir_plugin_entry"

#if defined(_WIN32)
#define WEIR_EXPORT __declspec(dllexport)
#else
#define WEIR_EXPORT __attribute__((visibility("default")))
#endif

/* ------------------------------------------------------------------------ */
/* Status codes: a fixed set, never renumbered. The host answers each with  */
/* the HTTP status and error code shown, and marks it retryable by default  */
/* where it says "retry" (see weir_error for how a plugin overrides that).  */
/* host/api_error.cpp holds the same table; a host test compares the two.   */
/* ------------------------------------------------------------------------ */

typedef int32_t weir_status;

#define WEIR_OK 0
#define WEIR_E_UNKNOWN 1          /* anything not covered below  [500 internal] */
#define WEIR_E_NOT_IMPLEMENTED 2  /* the plugin lacks it         [501 not_implemented] */
#define WEIR_E_INVALID_REQUEST 3  /* the request is malformed    [400 invalid_request] */
#define WEIR_E_INVALID_CONFIG 4   /* bad settings (see below)    [500 invalid_config] */
#define WEIR_E_NOT_FOUND 5        /* a named object is missing   [404 not_found] */
#define WEIR_E_CONFLICT 6         /* exists already/constraint   [409 conflict] */
#define WEIR_E_QUERY 7            /* backend refused statement   [400 query_error] */
#define WEIR_E_UNAVAILABLE 8      /* backend unreachable         [503 backend_unavailable, retry] */
#define WEIR_E_EXHAUSTED 9        /* no connection in time       [503 pool_exhausted, retry] */
#define WEIR_E_TIMEOUT 10         /* the deadline passed         [504 timeout, retry] */
#define WEIR_E_CANCELLED 11       /* cancelled by the host       [499 cancelled, retry] */
#define WEIR_E_BROKEN 12          /* connection broke            [502 connection_broken, retry] */
#define WEIR_E_UNAUTHENTICATED 13 /* backend refused our login   [502 backend_auth_failed] */
#define WEIR_E_PERMISSION 14      /* backend refused the action  [403 permission_denied] */
#define WEIR_E_INTERNAL 15        /* a bug in the plugin         [500 plugin_error] */
#define WEIR_E_ABI 16             /* entry: no common version    [never a response] */
#define WEIR_E_ABORTED 17         /* the host's writer said stop [413 result_too_large] */
#define WEIR_E_CLOSED 18          /* pool draining or closed     [503 database_closing, retry] */
#define WEIR_E_WOULD_BLOCK 19     /* v2 execute_async: run it through execute  [never a response] */
/* Notes: WEIR_E_INVALID_CONFIG belongs to pool_open and validate_config,
 * where the host refuses the config (at start, on reload, in check-config)
 * instead of answering a request. WEIR_E_ABORTED is 413 when the host's
 * writer stopped the plugin because the result grew past max_result_bytes;
 * when the writer did not ask to stop, the plugin wrote a malformed value:
 * 502 plugin_error. A request whose client went away is logged and counted
 * as 499 client_closed_request, whatever the plugin returned. */

/* ------------------------------------------------------------------------ */
/* Errors                                                                   */
/* ------------------------------------------------------------------------ */

/**
 * Error detail, owned by the caller (usually the host), filled by the callee.
 * The caller zero-initialises it and sets struct_size; the callee writes
 * NUL-terminated UTF-8, truncating to fit. No pointers, so nothing to free.
 *
 * Retryability. Each status has a default (the table above: UNAVAILABLE,
 * EXHAUSTED, TIMEOUT, CANCELLED, BROKEN and CLOSED are retryable, the rest
 * not). With retryable_decided 0 (a v1 plugin never sets it), retryable = 1
 * widens that default and 0 leaves it. With retryable_decided 1 (v2),
 * retryable is the plugin's verdict and the host keeps it either way: e.g.
 * WEIR_E_BROKEN with retryable 0 for a write that may have reached the server
 * (running it again could apply it twice), or with retryable 1 for one that
 * provably did not (the host then runs it once more on a fresh lease).
 */
typedef struct weir_error {
  uint32_t struct_size; /* sizeof(weir_error) as the caller knows it */
  weir_status status;   /* same value the function returned */
  int32_t retryable;    /* 1 when the same request may succeed later */
  char code[64];        /* backend code, e.g. SQLSTATE "23505"; may be empty */
  char message[1024];   /* for humans; never contains credentials */
  char detail[1024];    /* optional backend detail and hint; may be empty */
  /* ---- ABI version 2: written only when struct_size covers it ---- */
  int32_t retryable_decided; /* 1: `retryable` is the plugin's verdict (see above) */
} weir_error;

/* ------------------------------------------------------------------------ */
/* Host services                                                            */
/* ------------------------------------------------------------------------ */

#define WEIR_LOG_DEBUG 0
#define WEIR_LOG_INFO 1
#define WEIR_LOG_WARN 2
#define WEIR_LOG_ERROR 3

/*
 * ABI v2: the event loop the host lends a plugin for execute_async, in the
 * manner of libcurl's multi_socket API (CURLMOPT_SOCKETFUNCTION,
 * CURLMOPT_TIMERFUNCTION): the plugin says which socket to watch and when it
 * needs a timer, the host's loop says what happened. A loop is one host
 * thread (one per I/O thread); everything a plugin starts on a loop calls
 * back on that loop's thread, never from inside the call that started it,
 * and never after the call that stops it (watch_remove, timer_cancel)
 * returns. Nothing here blocks.
 */
typedef struct weir_loop weir_loop;   /* opaque, host-owned: one event loop (thread) */
typedef struct weir_watch weir_watch; /* opaque: one socket being watched */
typedef struct weir_timer weir_timer; /* opaque: one pending one-shot timer */

#define WEIR_WATCH_READ 1u  /* the socket has bytes to read (or hung up) */
#define WEIR_WATCH_WRITE 2u /* the socket can take bytes */

/** A watched socket is ready for `ready` (WEIR_WATCH_* bits). */
typedef void (*weir_ready_fn)(void* data, uint32_t ready);
/** A timer fired, or posted work runs. */
typedef void (*weir_task_fn)(void* data);

/**
 * What the host offers every plugin. Owned by the host; valid from the entry
 * call until the library is unloaded. log and post are thread-safe; the other
 * loop services are called only on the loop's own thread, except that a
 * paused watch may be removed from any thread (watch_remove).
 */
typedef struct weir_host {
  uint32_t struct_size;
  uint32_t abi_version;     /* the version the host offered */
  const char* host_version; /* e.g. "0.1.0" */
  void* host_data;          /* pass back to the callbacks below */
  /** Log one line. `message` is borrowed; never pass credentials. */
  void (*log)(void* host_data, int32_t level, const char* message);

  /* ---- ABI version 2: present when struct_size covers them ---- */

  /** Watch socket `fd` on `loop` for `events` (WEIR_WATCH_*): `ready` runs on
   *  the loop's thread each time one of them is ready (level-triggered: again
   *  and again until the plugin drains it or changes the set). The fd stays
   *  the plugin's; the host never closes it (it watches a duplicate of its
   *  own, so a library that closes the fd under the watch, as libpq does on a
   *  lost connection, touches no socket that reuses the number). Returns
   *  NULL if it cannot. */
  weir_watch* (*watch_add)(weir_loop* loop, int fd, uint32_t events, weir_ready_fn ready,
                           void* data);
  /** Change the events watched; 0 pauses the watch: no `ready` after it
   *  returns. A paused watch may be kept from one request to the next on
   *  the same loop (adding and removing a watch each cost the loop system
   *  calls; pausing and resuming one cost at most one). */
  void (*watch_set)(weir_watch* watch, uint32_t events);
  /** Stop watching and free the watch: call it when the socket is done (the
   *  duplicate the host watches keeps the connection open until then). No
   *  `ready` after it.
   *  On the loop's thread or, once paused there, on any thread, even while
   *  the `ready` call that paused it is still returning: a connection
   *  whose watch was kept is closed wherever its pool closes it, or taken
   *  to another loop. */
  void (*watch_remove)(weir_watch* watch);
  /** Call `fire` once on the loop's thread after `ms` milliseconds. The
   *  handle is valid until `fire` starts or timer_cancel returns. */
  weir_timer* (*timer_start)(weir_loop* loop, uint32_t ms, weir_task_fn fire, void* data);
  /** Cancel a timer that has not fired and free it. No `fire` after it. */
  void (*timer_cancel)(weir_timer* timer);
  /** Run `task` on the loop's thread soon. Any thread (e.g. cancel()). */
  void (*post)(weir_loop* loop, weir_task_fn task, void* data);
} weir_host;

/**
 * The streaming writer for results and health detail, owned by the host.
 * A plugin describes one JSON-like value through it: scalars, arrays and
 * objects (inside an object, call key() before each member's value).
 * Every function returns 0 to go on, or non-zero when the host wants the
 * plugin to stop (result too large, client gone); the plugin then stops
 * writing and returns WEIR_E_ABORTED. Strings are UTF-8 and borrowed for the
 * call. Used only by the thread that received it, only during that call.
 */
typedef struct weir_value_writer {
  uint32_t struct_size;
  void* host_data;
  int (*null_value)(void* host_data);
  int (*bool_value)(void* host_data, int value);
  int (*int64_value)(void* host_data, int64_t value);
  int (*double_value)(void* host_data, double value);
  int (*string_value)(void* host_data, const char* utf8, size_t length);
  /** Binary data; the host picks the encoding (base64 in JSON). */
  int (*bytes_value)(void* host_data, const void* data, size_t length);
  /** A value already encoded as JSON text (e.g. a jsonb column); the host validates it. */
  int (*json_value)(void* host_data, const char* json, size_t length);
  int (*begin_array)(void* host_data);
  int (*end_array)(void* host_data);
  int (*begin_object)(void* host_data);
  int (*key)(void* host_data, const char* utf8, size_t length);
  int (*end_object)(void* host_data);
} weir_value_writer;

/* ------------------------------------------------------------------------ */
/* Plain structs for the pool                                               */
/* ------------------------------------------------------------------------ */

typedef struct weir_pool weir_pool; /* opaque, plugin-owned */
typedef struct weir_conn weir_conn; /* opaque, plugin-owned: one leased connection */

/**
 * Everything pool_open and validate_config need. Owned by the host, borrowed
 * for the call. `config_json` is the database's whole entry from the config
 * file, without "replicas": {"backend", "optional", "connection", "pool"}
 * (members absent when not configured). For a read replica the host opens a
 * pool of its own with the primary's entry whose "connection" (and "pool",
 * when the replica has one) are the replica's. Messages about a setting name
 * it by its path from "databases.<database>", e.g.
 * "databases.main.connection.url: ..." (also for a replica's settings).
 */
typedef struct weir_pool_params {
  uint32_t struct_size;
  const char* database;    /* logical database name, for logs and errors */
  const char* config_json; /* the database's config entry (UTF-8 JSON, see above) */
  size_t config_length;
  /** Absolute workspace data directory (e.g. /project/.weir). Relative file
   *  paths in config resolve under it and must never escape it. */
  const char* data_dir;
} weir_pool_params;

/** Per-acquisition options. Owned by the caller, borrowed for the call. */
typedef struct weir_acquire_options {
  uint32_t struct_size;
  uint32_t timeout_ms;   /* the caller's limit; the pool waits at most the smaller of this
                            and its configured acquire timeout (0 = that timeout) */
  const char* client_id; /* who asks (token name or address); may be NULL */
  const char* tag;       /* where the lease is taken, for leak reports; may be NULL */
  /* ---- ABI version 2: read only when struct_size covers it ---- */
  /** Time left before the request's deadline when acquire is called; 0 = no
   *  deadline. It bounds begin, commit and rollback on the lease, as
   *  weir_exec_options.timeout_ms bounds execute (see weir_plugin.begin). */
  uint32_t deadline_ms;
} weir_acquire_options;

#define WEIR_RELEASE_OK 0u
/** The connection must not be reused: close it. */
#define WEIR_RELEASE_BROKEN 1u

#define WEIR_HEALTHY 0
#define WEIR_DEGRADED 1
#define WEIR_UNHEALTHY 2

/**
 * A pool's health as last observed; cheap, never waits on the backend.
 * UNHEALTHY: the pool cannot serve (the backend is unreachable and no
 * connection is open). DEGRADED: it serves, but worse than it should (the
 * backend went away while connections are still open, leases held past the
 * leak timeout, callers waiting on a full pool). The host reports a database
 * whose primary pool is UNHEALTHY as down (GET /health, readiness,
 * weir_database_up 0) and a DEGRADED one, or one with a sick replica, as up
 * but degraded.
 */
typedef struct weir_health {
  uint32_t struct_size;
  int32_t state;    /* WEIR_HEALTHY, WEIR_DEGRADED or WEIR_UNHEALTHY */
  char reason[256]; /* why, when not healthy; empty otherwise */
} weir_health;

/** Live pool statistics. Counters are totals since the pool opened. */
typedef struct weir_pool_stats {
  uint32_t struct_size;
  /* configured sizes */
  uint32_t min_size;
  uint32_t max_size;
  uint32_t max_overflow;
  /* gauges */
  uint32_t total;           /* open connections, idle + active */
  uint32_t idle;
  uint32_t active;          /* leased out */
  uint32_t waiting;         /* callers queued: in acquire or acquire_queued */
  uint32_t overflow_active; /* leased connections above max_size */
  uint32_t backoff_ms;      /* current reconnect backoff, 0 when connecting works */
  /* counters */
  uint64_t acquired;
  uint64_t created;
  uint64_t closed;
  uint64_t recycled_lifetime;
  uint64_t recycled_idle;
  uint64_t recycled_uses;
  uint64_t discarded_broken; /* released broken, failed validation or reset */
  uint64_t failed_connects;
  uint64_t timeouts;         /* acquisitions that gave up */
  uint64_t leaks;            /* leases reported as held too long */
  /* acquisition wait over a recent window, microseconds */
  double wait_mean_us;
  double wait_max_us;
  double wait_p50_us;
  double wait_p95_us;
  double wait_p99_us;
} weir_pool_stats;

/**
 * ABI v2: how an asynchronous execute ends. Owned by the host; valid until
 * `complete` returns.
 */
typedef struct weir_completion {
  uint32_t struct_size;
  void* host_data; /* pass back to complete */
  /** Ends the request, exactly once, on the loop's thread and never from
   *  inside execute_async: with the status execute would have returned and,
   *  unless WEIR_OK, the error it would have filled (borrowed for the call).
   *  The connection and the result writer are the host's again once it is
   *  called: the plugin has cancelled its timers and removed or paused its
   *  watches, and touches none of the request's state after it. */
  void (*complete)(void* host_data, weir_status status, const weir_error* error);
} weir_completion;

/**
 * ABI v2: how a wait in acquire_queued ends. Owned by the host; valid until
 * `granted` returns.
 */
typedef struct weir_acquire_completion {
  uint32_t struct_size;
  void* host_data; /* pass back to granted */
  /** Ends the wait, exactly once and never from inside acquire_queued: with
   *  WEIR_OK and the leased connection (the caller's, as from acquire), or
   *  with the status and error acquire would have failed with (`conn` NULL,
   *  `error` borrowed for the call): WEIR_E_EXHAUSTED at the wait's limit,
   *  WEIR_E_CLOSED when the pool drains, WEIR_E_UNAVAILABLE when the backend
   *  went down. It is called on whichever thread ended the wait (a release,
   *  the pool's own thread), possibly with the pool's lock held: it only
   *  hands the outcome over (posts it to the caller's loop) and never calls
   *  into the pool. */
  void (*granted)(void* host_data, weir_status status, weir_conn* conn, const weir_error* error);
} weir_acquire_completion;

/** Per-request options. Owned by the caller, borrowed for the call. */
typedef struct weir_exec_options {
  uint32_t struct_size;
  uint32_t timeout_ms; /* time left before the deadline; 0 = no deadline */
  uint32_t flags;      /* WEIR_EXEC_* */
} weir_exec_options;

/** The client declared the request read-only (may go to a replica; writes must fail). */
#define WEIR_EXEC_READ_ONLY 1u
/** ABI v2: the host sends the result on while it is written (a streamed
 *  result, docs/http-api.yaml): a plugin with WEIR_CAP_STREAMING should write
 *  each row as the backend delivers it rather than after the whole result,
 *  so memory stays bounded; a v1 plugin ignores it. */
#define WEIR_EXEC_STREAMED 2u
/** ABI v2, only to a plugin with WEIR_CAP_PARAMETER_SETS: the request's
 *  "params" is an array of parameter sets (each an array or object of the
 *  plain "params" shape). Prepare the statement once and run it once per set,
 *  in order, stopping at the first failure, whose message names the set
 *  ("parameter set 3: ..."); the result is {"results": [...]}, one result per
 *  set in the statement's usual shape. The host runs such a request inside a
 *  transaction (begin before, commit or rollback after), so it applies all or
 *  none (POST /v1/databases/{name}/batch, docs/http-api.yaml). */
#define WEIR_EXEC_PARAMETER_SETS 4u
/** ABI v2: the client reads its own writes (`"consistency": "primary"`): a
 *  read-only request that a plugin would route to a replica itself (a Neo4j
 *  cluster's readers) goes to the primary (the writer) instead. The host's
 *  own replicas (config `replicas`) it keeps off itself; a v1 plugin ignores it. */
#define WEIR_EXEC_PRIMARY 8u

/* ------------------------------------------------------------------------ */
/* Plugin description and capabilities                                      */
/* ------------------------------------------------------------------------ */

#define WEIR_KIND_SQL 1u
#define WEIR_KIND_VECTOR 2u
#define WEIR_KIND_GRAPH 3u
#define WEIR_KIND_OTHER 4u

#define WEIR_CAP_TRANSACTIONS (1ull << 0)   /* begin / commit / rollback work */
#define WEIR_CAP_PARAMETERS (1ull << 1)     /* `params` are bound, never spliced */
#define WEIR_CAP_NAMED_PARAMETERS (1ull << 2)
#define WEIR_CAP_STREAMING (1ull << 3)      /* rows are written as they arrive */
#define WEIR_CAP_CANCEL (1ull << 4)         /* cancel() interrupts a running request */
#define WEIR_CAP_READ_REPLICAS (1ull << 5)  /* honours WEIR_EXEC_READ_ONLY routing */
#define WEIR_CAP_PARAMETER_SETS (1ull << 6) /* honours WEIR_EXEC_PARAMETER_SETS (ABI v2) */
#define WEIR_CAP_EXECUTE_ASYNC (1ull << 7)  /* v2: execute_async runs requests on the host's loop */

/* ------------------------------------------------------------------------ */
/* The function table                                                       */
/* ------------------------------------------------------------------------ */

/**
 * Filled by the plugin in its entry function. The host allocates it, zeroes
 * it and sets struct_size to the size it knows; the plugin writes no byte at
 * or beyond struct_size. After the entry returns, the host rejects the plugin
 * if a required slot is NULL and points every NULL optional slot at a stub
 * returning WEIR_E_NOT_IMPLEMENTED, so host code never tests for NULL.
 *
 * Which slots the host calls, and when:
 *   pool_open      at start and on reload, per database and per read replica
 *   acquire, execute, release          per request (begin/commit/rollback
 *                  around the statements of a transaction request)
 *   pool_stats     at pool_open (admission capacity: the sum of max_size +
 *                  max_overflow over a database's pools caps its requests in
 *                  flight; a plugin without pool_stats gets capacity 1), and
 *                  for GET /v1/databases[/{name}] and /metrics
 *   pool_health    for GET /health, /health/ready, /v1/databases and /metrics
 *   cancel         when the client disconnects while execute runs, and only
 *                  with WEIR_CAP_CANCEL
 *   pool_drain     at shutdown, and on reload for a pool being replaced, with
 *                  the database's drain timeout; then pool_close
 *   validate_config (v2) before any pool opens: start, reload, check-config
 *   check, pool_describe   reserved: the host never calls them yet (a plugin
 *                  may fill them; the conformance kit exercises them)
 *
 * Unload and threads. The host never unloads a plugin library (a reload
 * keeps every loaded plugin), so a thread a plugin starts may outlive the
 * pools that started it; still, pool_close must stop or detach every thread
 * working for that pool, and no thread may call into the host after the
 * call that handed it a weir_value_writer or weir_error returned. Only
 * weir_host.log may be called from a plugin's own threads.
 */
typedef struct weir_plugin {
  uint32_t struct_size; /* set by the host */
  uint32_t abi_version; /* set by the plugin: the version it implements */
  const char* name;        /* required: [a-z0-9_]+, unique per host, static */
  const char* version;     /* required: the plugin's own version, static */
  const char* description; /* optional, static */
  uint32_t kind;           /* WEIR_KIND_* */
  uint32_t reserved;       /* zero */
  uint64_t capabilities;   /* WEIR_CAP_* */

  /* ---- pool (required unless marked optional) ---- */

  /**
   * Open a pool for one logical database. Validates every setting before
   * connecting and fails with WEIR_E_INVALID_CONFIG naming the field. A backend
   * that is down is not an error here: the pool opens, reports itself
   * unhealthy and reconnects in the background.
   * Thread-safe. `params` is borrowed; `*out` is owned by the plugin until
   * pool_close.
   */
  weir_status (*pool_open)(const weir_pool_params* params, weir_pool** out, weir_error* error);

  /** Close every connection and free the pool. No call on `pool` may be in
   *  flight or follow. Call pool_drain first for a graceful stop. */
  void (*pool_close)(weir_pool* pool);

  /**
   * Lease a connection, waiting in FIFO order up to the timeout.
   * Fails with WEIR_E_EXHAUSTED (with the pool's numbers and the current
   * holders in the message), WEIR_E_UNAVAILABLE while the backend is down,
   * or WEIR_E_CLOSED while draining. Thread-safe; blocks the calling thread.
   */
  weir_status (*acquire)(weir_pool* pool, const weir_acquire_options* options, weir_conn** out,
                         weir_error* error);

  /**
   * Return a lease. The plugin resets the session (rolling back an open
   * transaction) before reuse, or closes the connection when `flags` has
   * WEIR_RELEASE_BROKEN or the reset fails. Never fails. Thread-safe; `conn`
   * must not be used afterwards.
   */
  void (*release)(weir_pool* pool, weir_conn* conn, uint32_t flags);

  /** Optional. Fill `out` (caller sets struct_size). Any thread, never blocks on I/O.
   *  max_size + max_overflow is the pool's capacity for the host's admission. */
  void (*pool_stats)(weir_pool* pool, weir_pool_stats* out);

  /**
   * Optional. Stop handing out leases, wait up to timeout_ms for leases to
   * come back, then close every connection. `*forced` (may be NULL) receives
   * how many leases were still out when the time ran out. Thread-safe.
   */
  weir_status (*pool_drain)(weir_pool* pool, uint32_t timeout_ms, uint32_t* forced);

  /**
   * Optional; reserved: the host does not call it yet. Describe the pool for
   * operators as one object: settings in force (no secrets), current leases
   * (client, tag, held for), backoff state. Any thread; never blocks on I/O.
   */
  weir_status (*pool_describe)(weir_pool* pool, weir_value_writer* out);

  /* ---- health ---- */

  /** Optional. The pool's cached health (connect failures, leaks, saturation).
   *  Any thread; never blocks on I/O. */
  void (*pool_health)(weir_pool* pool, weir_health* out);

  /**
   * Optional; reserved: the host does not call it yet. One round trip to the
   * backend on a leased connection, waiting at most timeout_ms; write an
   * object with what was learned (at least "server_version" when known).
   * Returns WEIR_OK, WEIR_E_TIMEOUT, WEIR_E_BROKEN (the connection is closed
   * on release) or WEIR_E_UNAVAILABLE.
   */
  weir_status (*check)(weir_conn* conn, uint32_t timeout_ms, weir_value_writer* detail,
                       weir_error* error);

  /* ---- adapter ---- */

  /**
   * Execute one request on a leased connection and write its result.
   * `request_json` is one UTF-8 JSON object; its common shape is
   * {"query": "...", "params": [...] | {...}} and a backend may accept more
   * members (documented per plugin). Tabular results are written as
   * {"columns": [...], "rows": [[...], ...]} plus optional members such as
   * "rows_affected" and "last_insert_id".
   * Blocks the calling thread on the backend, at most until
   * options->timeout_ms (then WEIR_E_TIMEOUT, the statement stopped at the
   * backend when it can be), plus what the backend needs to confirm a
   * cancel; a plugin that cannot confirm one in bounded time returns
   * WEIR_E_BROKEN instead. A call still running 2 s past the deadline is
   * answered 504 by the host itself, which then calls cancel() (with
   * WEIR_CAP_CANCEL) and drops the call's late result. Returns WEIR_OK or: INVALID_REQUEST (malformed
   * request, unknown member, a read-only request in a read-write
   * transaction), QUERY, CONFLICT, NOT_FOUND, PERMISSION (the backend refused
   * it), TIMEOUT, CANCELLED (after cancel()), BROKEN, UNAVAILABLE (the backend
   * is shutting down or out of resources), UNAUTHENTICATED, ABORTED (the
   * writer said stop), NOT_IMPLEMENTED, INTERNAL. After anything but BROKEN
   * the connection stays usable (release resets it).
   * On failure the writer may hold a partial value; the host discards it.
   * WEIR_E_BROKEN closes the connection on release; the host then runs the
   * request once more on a fresh lease (unless part of a streamed result
   * reached the client already) when it is WEIR_EXEC_READ_ONLY, or when the plugin's verdict is retryable
   * (weir_error.retryable_decided): return that only when the request
   * provably never reached the backend (e.g. the connection was found closed
   * before anything was sent), and a final verdict (retryable 0) for a write
   * that may have reached it.
   */
  weir_status (*execute)(weir_conn* conn, const char* request_json, size_t request_length,
                         const weir_exec_options* options, weir_value_writer* result,
                         weir_error* error);

  /*
   * Transactions (optional, with WEIR_CAP_TRANSACTIONS). The host runs a
   * transaction request as begin, execute per statement, commit, on one
   * lease; on any failure it calls rollback and answers with the first
   * failure. begin, commit and rollback wait on the backend at most until
   * the request's deadline, which the host passed to acquire
   * (weir_acquire_options.deadline_ms, counted from the acquire call), plus
   * what the backend needs to confirm a cancel, as execute does; then they
   * return WEIR_E_TIMEOUT, or WEIR_E_BROKEN when the backend did not confirm
   * the cancel. A rollback called once the deadline has passed (after a
   * statement timed out) gets a moment (at least 1 ms) before it gives up.
   * Without a deadline (deadline_ms 0, or a v1 host that does not fill it,
   * or the release of a lease with a transaction open) each bounds its own
   * wait (a few seconds).
   */

  /** Optional. Begin a transaction. `options_json` (may be NULL) is an object
   *  such as {"read_only": true, "isolation": "serializable"}; an option the
   *  plugin cannot honour is refused with INVALID_REQUEST naming it. Returns
   *  WEIR_OK, INVALID_REQUEST (also when one is open already), TIMEOUT,
   *  BROKEN, UNAVAILABLE or NOT_IMPLEMENTED. */
  weir_status (*begin)(weir_conn* conn, const char* options_json, size_t options_length,
                       weir_error* error);
  /** Optional. Commit the open transaction. Returns WEIR_OK, INVALID_REQUEST
   *  (none open), QUERY (a statement in it had failed: it was rolled back),
   *  CONFLICT (a serialization failure or deadlock at commit, retryable),
   *  TIMEOUT or BROKEN. After a failed commit the transaction is over: the
   *  backend rolled it back or, after TIMEOUT or BROKEN, its outcome is
   *  unknown (the host still calls rollback, then closes the connection on
   *  release after BROKEN). With BROKEN it may have committed, so give a
   *  final verdict (retryable 0, retryable_decided 1) unless the COMMIT
   *  provably never reached the backend. */
  weir_status (*commit)(weir_conn* conn, weir_error* error);
  /** Optional. Roll back the open transaction; nothing open is not an error.
   *  Returns WEIR_OK, TIMEOUT or BROKEN; the host closes the connection on
   *  release after any failure, never reusing it with a transaction open. */
  weir_status (*rollback)(weir_conn* conn, weir_error* error);

  /**
   * Optional. Ask the request running on `conn` to stop as soon as it can;
   * that call then returns WEIR_E_CANCELLED or WEIR_E_TIMEOUT. Callable from
   * any thread, while another thread is inside execute on the same conn.
   * With nothing running, the cancel is for the lease's next execute, begin
   * or commit (the client went away just before it started), which then
   * returns WEIR_E_CANCELLED; keep it until then rather than clearing a flag
   * when execute starts. rollback ignores it; release forgets it.
   */
  weir_status (*cancel)(weir_conn* conn);

  /* ---- ABI version 2: the host reads these only from a plugin that
   *      answered version 2 or newer, and writes them only when
   *      struct_size covers them ---- */

  /**
   * Optional (v2). Check every setting in `params` as pool_open would, with
   * the same messages (WEIR_E_INVALID_CONFIG naming the field, e.g.
   * "databases.main.pool.max_size: must be an integer from 1 to 10000, got 0"),
   * without connecting, opening a pool or touching files beyond resolving
   * paths against params->data_dir. The host calls it for every database and
   * read replica before it opens any pool: at start, on reload and for
   * `weir check-config`, so all three refuse the same settings. A v1 plugin's
   * slot is the host's stub (WEIR_E_NOT_IMPLEMENTED): its settings are then
   * checked only when its pool opens, and check-config says so.
   * Thread-safe; no pool needs to exist. `params` is borrowed for the call.
   */
  weir_status (*validate_config)(const weir_pool_params* params, weir_error* error);

  /**
   * Optional (v2, with WEIR_CAP_EXECUTE_ASYNC). execute without a blocked
   * thread: start the request on `loop` and return; `done->complete` ends it
   * later on the loop's thread. The host calls it on that thread, with a
   * leased connection running nothing else. In between, the plugin waits
   * through the host's loop services (weir_host: watch_add, timer_start,
   * post), never blocking the thread; it writes the result through `result`
   * on the loop's thread only. Every rule of execute holds (request and
   * result shapes, statuses, timeout_ms, WEIR_E_BROKEN and its verdict); the
   * host's watchdog answers 504 at the deadline and calls cancel(), after
   * which the request should complete soon with WEIR_E_CANCELLED or
   * WEIR_E_TIMEOUT; the connection stays leased until it completes.
   * `request_json`, `options` and `done` are borrowed until complete.
   * Returns WEIR_OK when started (complete follows), or the error that kept
   * it from starting, with `error` filled (complete is then never called).
   * WEIR_E_WOULD_BLOCK, returned or completed with before anything of the
   * request reached the backend, hands the request back: the host runs it
   * through execute on a worker, on the same leased connection (a plugin
   * takes on the loop what it can run there, e.g. a statement the
   * connection has prepared, and leaves the rest to execute).
   */
  weir_status (*execute_async)(weir_conn* conn, weir_loop* loop, const char* request_json,
                               size_t request_length, const weir_exec_options* options,
                               weir_value_writer* result, const weir_completion* done,
                               weir_error* error);

  /**
   * Optional (v2). acquire for an event loop, never waiting: a connection
   * ready now (idle, needing no liveness check first), and none while other
   * callers wait ahead (FIFO holds). When there is none, nothing is done and
   * it returns WEIR_E_WOULD_BLOCK: call acquire from a thread that may block.
   * Otherwise as acquire (options, WEIR_E_CLOSED, the client's cap).
   */
  weir_status (*acquire_ready)(weir_pool* pool, const weir_acquire_options* options,
                               weir_conn** out, weir_error* error);
  /**
   * Optional (v2). release with WEIR_RELEASE_OK for an event loop, never
   * waiting on the backend: returns 1 when the connection went back, or 0
   * when returning it would wait (its session needs a reset: an open
   * transaction, a changed setting), having done nothing: then call release
   * from a thread that may block.
   */
  int (*release_ready)(weir_pool* pool, weir_conn* conn);
  /**
   * Optional (v2). acquire for an event loop that found no connection ready
   * (acquire_ready), without a thread waiting: a place in acquire's FIFO
   * queue, behind every caller already in it. Returns WEIR_OK once queued:
   * `done->granted` follows, exactly once, when a released connection reaches
   * the caller's turn, or with acquire's error when the wait ends otherwise.
   * The pool times the wait as acquire does (the smaller of
   * options->timeout_ms and its acquire timeout), ending it with
   * WEIR_E_EXHAUSTED from its own thread at most a few tens of milliseconds
   * late. Capacity freed while such callers wait (a connection closed) is
   * refilled by the pool's own thread too, for the first in line. Returns
   * WEIR_E_WOULD_BLOCK, having done nothing, when nobody waits but the
   * connection would wait on the backend (room to open one, an idle one to
   * check): call acquire from a thread that may block. Otherwise acquire's
   * errors (WEIR_E_CLOSED, WEIR_E_UNAVAILABLE while the backend is down, the
   * client's cap), with `error` filled and no granted. `options` (with its
   * strings) and `done` are borrowed until granted returns.
   */
  weir_status (*acquire_queued)(weir_pool* pool, const weir_acquire_options* options,
                                const weir_acquire_completion* done, weir_error* error);
} weir_plugin;

/* Frozen sizes of ABI version 1 (x86-64 / aarch64 LP64), every struct that
 * crosses the boundary; version 2 is not frozen yet. A v2 struct is larger
 * only where it appended fields (weir_plugin, weir_error, weir_host,
 * weir_acquire_options). */
#define WEIR_PLUGIN_V1_SIZE 160u
#define WEIR_ERROR_V1_SIZE 2124u
#define WEIR_POOL_STATS_V1_SIZE 160u
#define WEIR_HOST_V1_SIZE 32u
#define WEIR_VALUE_WRITER_V1_SIZE 112u
#define WEIR_POOL_PARAMS_V1_SIZE 40u
#define WEIR_ACQUIRE_OPTIONS_V1_SIZE 24u
#define WEIR_HEALTH_V1_SIZE 264u
#define WEIR_EXEC_OPTIONS_V1_SIZE 12u

/**
 * The entry point, exported as WEIR_ENTRY_SYMBOL.
 *
 * `host_abi_version` is the newest version the host speaks. The plugin sets
 * plugin->abi_version to the newest version it implements that is not newer
 * than that, fills the table and returns WEIR_OK; or returns WEIR_E_ABI when
 * it implements none of them. The host rejects a plugin whose answer is newer
 * than its offer. `host` stays valid until unload. Called once, on one thread.
 */
typedef weir_status (*weir_plugin_entry_fn)(uint32_t host_abi_version, const weir_host* host,
                                            weir_plugin* plugin, weir_error* error);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* WEIR_PLUGIN_H */
