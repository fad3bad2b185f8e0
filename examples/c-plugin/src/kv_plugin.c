/*
 * weir_kv — a key-value store in one file under the workspace, in plain C on
 * the weir SDK's C API (weir/sdk_c.h), which supplies the pool around these
 * callbacks and the JSON readers. A database is one store: its entries in
 * memory, saved to the file ("key<TAB>value" lines) after each committed
 * write. A connection is a session with its own transaction, staged until
 * commit. Operands are bound parameters: {"query": "put", "params": ["k", "v"]}
 */
#include <weir/sdk_c.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* An entry whose value is NULL is a deleted key. */
typedef struct kv_entry {
  char* key;
  char* value;
} kv_entry;

typedef struct kv_table {
  kv_entry* entries;
  size_t count;
  size_t capacity;
} kv_table;

typedef struct kv_store {
  char* file;              /* absolute path of the store's file */
  int64_t max_value_bytes; /* longest value a write may store */
  int read_only;           /* refuse every write */
  pthread_mutex_t lock;    /* guards `data` and `loaded`, orders saves */
  kv_table data;           /* committed entries */
  int loaded;              /* the file has been read (on the first connect) */
} kv_store;

typedef struct kv_session {
  kv_store* store;
  kv_table staged;               /* the open transaction's writes */
  int in_transaction, read_only; /* read_only: the transaction's option */
  atomic_int cancelled;
} kv_session;

static kv_entry* kv_find(const kv_table* table, const char* key) {
  for (size_t i = 0; i < table->count; ++i) {
    if (strcmp(table->entries[i].key, key) == 0) return &table->entries[i];
  }
  return NULL;
}

/* Sets `key` to a copy of `value`. A deleted key keeps its entry with a NULL
 * value, so a transaction stages deletions like any other write. */
static int kv_set(kv_table* table, const char* key, const char* value) {
  char* copy = value != NULL ? strdup(value) : NULL;
  if (value != NULL && copy == NULL) return -1;
  kv_entry* entry = kv_find(table, key);
  if (entry == NULL) {
    if (table->count == table->capacity) {
      size_t capacity = table->capacity == 0 ? 16 : 2 * table->capacity;
      kv_entry* grown = realloc(table->entries, capacity * sizeof(kv_entry));
      if (grown == NULL) return free(copy), -1;
      table->entries = grown, table->capacity = capacity;
    }
    entry = &table->entries[table->count];
    if ((entry->key = strdup(key)) == NULL) return free(copy), -1;
    entry->value = NULL;
    ++table->count;
  }
  free(entry->value);
  entry->value = copy;
  return 0;
}

static void kv_clear(kv_table* table) {
  for (size_t i = 0; i < table->count; ++i)
    free(table->entries[i].key), free(table->entries[i].value);
  free(table->entries);
  memset(table, 0, sizeof(*table));
}

/* ---- the file ---- */

static weir_status kv_load(kv_store* store, weir_error* error) {
  FILE* in = fopen(store->file, "r");
  if (in == NULL && errno == ENOENT) in = fopen(store->file, "a+"); /* a new, empty store */
  if (in == NULL)
    return weir_sdk_error(error, WEIR_E_UNAVAILABLE, 1, "cannot open %s: %s", store->file,
                          strerror(errno));
  char* line = NULL;
  size_t size = 0;
  ssize_t length;
  int failed = 0;
  while (!failed && (length = getline(&line, &size, in)) > 0) {
    if (line[length - 1] == '\n') line[length - 1] = '\0';
    char* tab = strchr(line, '\t');
    if (tab != NULL) *tab = '\0';
    failed = tab == NULL || kv_set(&store->data, line, tab + 1) != 0;
  }
  free(line);
  fclose(in);
  if (!failed) return WEIR_OK;
  kv_clear(&store->data);
  return weir_sdk_error(error, WEIR_E_UNAVAILABLE, 1, "%s is not a weir_kv file (or out of memory)",
                        store->file);
}

/* Writes every committed entry to a temporary file, then renames it over the store. */
static weir_status kv_save(kv_store* store, weir_error* error) {
  char temporary[4096];
  snprintf(temporary, sizeof(temporary), "%s.tmp", store->file);
  FILE* out = fopen(temporary, "w");
  int failed = out == NULL;
  for (size_t i = 0; !failed && i < store->data.count; ++i) {
    const kv_entry* entry = &store->data.entries[i];
    failed = entry->value != NULL && fprintf(out, "%s\t%s\n", entry->key, entry->value) < 0;
  }
  if (out != NULL && fclose(out) != 0) failed = 1;
  if (!failed && rename(temporary, store->file) == 0) return WEIR_OK;
  return weir_sdk_error(error, WEIR_E_UNAVAILABLE, 1, "cannot save %s: %s", store->file,
                        strerror(errno));
}

static weir_status kv_open_database(const weir_sdk_json* settings, void** database,
                                    weir_error* error) {
  static const char* const known[] = {"file", "max_value_bytes", "read_only", NULL};
  const char* file;
  int64_t max_value_bytes;
  int read_only;
  weir_status status;
  if ((status = weir_sdk_allow_only(settings, known, error)) ||
      (status = weir_sdk_read_path(settings, "file", "kv.tsv", &file, error)) ||
      (status = weir_sdk_read_int(settings, "max_value_bytes", 65536, 1, 16777216, &max_value_bytes,
                                  error)) ||
      (status = weir_sdk_read_bool(settings, "read_only", 0, &read_only, error)))
    return status;
  kv_store* store = calloc(1, sizeof(kv_store));
  if (store == NULL || (store->file = strdup(file)) == NULL)
    return free(store), weir_sdk_error(error, WEIR_E_INTERNAL, 1, "out of memory");
  store->max_value_bytes = max_value_bytes;
  store->read_only = read_only;
  pthread_mutex_init(&store->lock, NULL);
  *database = store;
  return WEIR_OK;
}

static void kv_close_database(void* database) {
  kv_store* store = database;
  kv_clear(&store->data);
  pthread_mutex_destroy(&store->lock);
  free(store->file);
  free(store);
}

/* The file is read on the first connect: a missing directory is a backend that
 * is down (retried with backoff), not a bad setting. */
static weir_status kv_connect(void* database, void** connection, weir_error* error) {
  kv_store* store = database;
  pthread_mutex_lock(&store->lock);
  weir_status status = store->loaded ? WEIR_OK : kv_load(store, error);
  store->loaded = status == WEIR_OK;
  pthread_mutex_unlock(&store->lock);
  if (status != WEIR_OK) return status;
  kv_session* session = calloc(1, sizeof(kv_session));
  if (session == NULL) return weir_sdk_error(error, WEIR_E_INTERNAL, 1, "out of memory");
  session->store = store;
  *connection = session;
  return WEIR_OK;
}

static void kv_close(void* connection) {
  kv_session* session = connection;
  kv_clear(&session->staged);
  free(session);
}

static int kv_ping(void* connection) {
  return access(((kv_session*)connection)->store->file, R_OK | W_OK) == 0;
}

/* Discards the open transaction: the SDK calls this before a connection is reused.
 * Transactions here never wait on anything, so they need no `timeout_ms`. */
static weir_status kv_rollback(void* connection, uint32_t timeout_ms, weir_error* error) {
  kv_session* session = connection;
  (void)timeout_ms, (void)error;
  kv_clear(&session->staged);
  session->in_transaction = session->read_only = 0;
  return WEIR_OK;
}

static weir_status kv_begin(void* connection, const weir_sdk_json* options, uint32_t timeout_ms,
                            weir_error* error) {
  static const char* const known[] = {"read_only", NULL};
  kv_session* session = connection;
  (void)timeout_ms;
  if (session->in_transaction)
    return weir_sdk_invalid(options, NULL, "a transaction is open", error);
  weir_status status = weir_sdk_allow_only(options, known, error);
  if (!status) status = weir_sdk_read_bool(options, "read_only", 0, &session->read_only, error);
  session->in_transaction = status == WEIR_OK;
  return status;
}

static weir_status kv_commit(void* connection, uint32_t timeout_ms, weir_error* error) {
  kv_session* session = connection;
  kv_store* store = session->store;
  if (!session->in_transaction)
    return weir_sdk_error(error, WEIR_E_INVALID_REQUEST, 0, "no transaction is open");
  pthread_mutex_lock(&store->lock);
  weir_status status = WEIR_OK;
  for (size_t i = 0; status == WEIR_OK && i < session->staged.count; ++i) {
    const kv_entry* staged = &session->staged.entries[i];
    if (kv_set(&store->data, staged->key, staged->value) != 0)
      status = weir_sdk_error(error, WEIR_E_INTERNAL, 1, "out of memory");
  }
  if (status == WEIR_OK) status = kv_save(store, error);
  pthread_mutex_unlock(&store->lock);
  kv_rollback(connection, timeout_ms, error);
  return status;
}

static int kv_in_transaction(void* connection) { return ((kv_session*)connection)->in_transaction; }

/* Sets a flag that execute checks: a cancel with nothing running stops the
 * lease's next execute, and reset forgets it when the lease ends. */
static void kv_cancel(void* connection) { atomic_store(&((kv_session*)connection)->cancelled, 1); }

static weir_status kv_reset(void* connection, weir_error* error) {
  (void)error;
  atomic_store(&((kv_session*)connection)->cancelled, 0);
  return WEIR_OK;
}

/* ---- requests ---- */

/* The value a session sees for `key`: its own staged write first. NULL when absent. */
static const char* kv_lookup(kv_session* session, const char* key) {
  const kv_entry* staged = kv_find(&session->staged, key);
  if (staged != NULL) return staged->value;
  const kv_entry* entry = kv_find(&session->store->data, key);
  return entry != NULL ? entry->value : NULL;
}

static void kv_write_header(weir_value_writer* out, const char* column) {
  weir_sdk_begin_object(out);
  weir_sdk_write_key(out, "columns");
  weir_sdk_begin_array(out);
  if (column != NULL) weir_sdk_write_string(out, column);
  weir_sdk_end_array(out);
  weir_sdk_write_key(out, "rows");
  weir_sdk_begin_array(out);
}

static int kv_write_row(weir_value_writer* out, const char* value) {
  weir_sdk_begin_array(out);
  weir_sdk_write_string(out, value);
  return weir_sdk_end_array(out);
}

static void kv_write_end(weir_value_writer* out) {
  weir_sdk_end_array(out);
  weir_sdk_end_object(out);
}

/* put / insert / delete, under the lock: staged in a transaction, else applied and saved now. */
static weir_status kv_write(kv_session* session, const char* command, const char* key,
                            const char* value, weir_value_writer* out, weir_error* error) {
  kv_store* store = session->store;
  pthread_mutex_lock(&store->lock);
  const char* current = kv_lookup(session, key);
  weir_status status = WEIR_OK;
  if (strcmp(command, "insert") == 0 && current != NULL) {
    status = weir_sdk_error(error, WEIR_E_CONFLICT, 0, "key \"%s\" already exists", key);
  } else if (strcmp(command, "delete") == 0 && current == NULL) {
    status = weir_sdk_error(error, WEIR_E_NOT_FOUND, 0, "no key \"%s\"", key);
  } else if (kv_set(session->in_transaction ? &session->staged : &store->data, key, value)) {
    status = weir_sdk_error(error, WEIR_E_INTERNAL, 1, "out of memory");
  } else if (!session->in_transaction) {
    status = kv_save(store, error); /* when it fails, the next save retries */
  }
  pthread_mutex_unlock(&store->lock);
  if (status != WEIR_OK) return status;
  kv_write_header(out, NULL);
  weir_sdk_end_array(out);
  weir_sdk_write_key(out, "rows_affected");
  weir_sdk_write_int(out, 1);
  weir_sdk_end_object(out);
  return WEIR_OK;
}

/* scan: every key the session sees that starts with the prefix; stops when cancelled. */
static weir_status kv_scan(kv_session* session, const char* prefix, weir_value_writer* out,
                           weir_error* error) {
  weir_status status = WEIR_OK;
  kv_write_header(out, "key");
  pthread_mutex_lock(&session->store->lock);
  for (int t = 0; t < 2; ++t) {
    const kv_table* table = t == 0 ? &session->store->data : &session->staged;
    for (size_t i = 0; i < table->count && status == WEIR_OK; ++i) {
      const kv_entry* entry = &table->entries[i];
      if (entry->value == NULL || strncmp(entry->key, prefix, strlen(prefix)) != 0) continue;
      if (t == 0 && kv_find(&session->staged, entry->key) != NULL) continue; /* staged wins */
      if (atomic_exchange(&session->cancelled, 0)) {
        status = weir_sdk_error(error, WEIR_E_CANCELLED, 0, "the request was cancelled");
      } else if (kv_write_row(out, entry->key) != 0) {
        status = WEIR_E_ABORTED; /* the host stopped the result; the SDK reports it */
      }
    }
  }
  pthread_mutex_unlock(&session->store->lock);
  kv_write_end(out);
  return status;
}

static weir_status kv_execute(void* connection, const weir_sdk_json* request,
                              const weir_exec_options* options, weir_value_writer* out,
                              weir_error* error) {
  static const char* const known[] = {"query", "params", NULL};
  static const struct {
    const char* name;
    size_t operands;
    int writes;
  } commands[] = {{"get", 1, 0}, {"scan", 1, 0}, {"put", 2, 1}, {"insert", 2, 1}, {"delete", 1, 1}};
  kv_session* session = connection;
  /* A cancel that came just before this call is meant for it: used up here. */
  if (atomic_exchange(&session->cancelled, 0))
    return weir_sdk_error(error, WEIR_E_CANCELLED, 0, "the request was cancelled");
  const char* command;
  const weir_sdk_json* params;
  const char* operand[2] = {NULL, NULL};
  weir_status status;
  if ((status = weir_sdk_allow_only(request, known, error)) ||
      (status = weir_sdk_read_string(request, "query", NULL, &command, error)) ||
      (status = weir_sdk_read_array(request, "params", &params, error)))
    return status;
  size_t c = 0;
  while (c < 5 && strcmp(commands[c].name, command) != 0) ++c;
  if (c == 5)
    return weir_sdk_error(error, WEIR_E_QUERY, 0,
                          "unknown command \"%s\" (commands: get, scan, put, insert, delete)",
                          command);
  if (weir_sdk_json_size(params) != commands[c].operands) {
    char what[64];
    snprintf(what, sizeof(what), "must hold %zu value(s) for \"%s\"", commands[c].operands,
             command);
    return weir_sdk_invalid(params, NULL, what, error);
  }
  for (size_t i = 0; i < commands[c].operands; ++i) {
    if ((status = weir_sdk_read_string_at(params, i, &operand[i], error))) return status;
    if (strpbrk(operand[i], "\t\n") != NULL)
      return weir_sdk_invalid(params, NULL, "must not contain tabs or line breaks", error);
  }
  int read_only_request = session->read_only || (options->flags & WEIR_EXEC_READ_ONLY);
  if (commands[c].writes && (session->store->read_only || read_only_request))
    return weir_sdk_error(error, WEIR_E_PERMISSION, 0, "\"%s\" writes, and this %s read-only",
                          command, session->store->read_only ? "database is" : "request is");
  if (operand[1] != NULL && (int64_t)strlen(operand[1]) > session->store->max_value_bytes)
    return weir_sdk_invalid(params, NULL, "holds a value longer than max_value_bytes", error);
  if (commands[c].writes)
    return kv_write(session, command, operand[0], c == 4 ? NULL : operand[1], out, error);
  if (c == 1) return kv_scan(session, operand[0], out, error);
  pthread_mutex_lock(&session->store->lock);
  const char* value = kv_lookup(session, operand[0]);
  kv_write_header(out, "value");
  if (value != NULL) kv_write_row(out, value);
  pthread_mutex_unlock(&session->store->lock);
  kv_write_end(out);
  return WEIR_OK;
}

static const weir_sdk_driver kv_driver = {
    .struct_size = sizeof(weir_sdk_driver),
    .name = "kv",
    .version = "0.1.0",
    .description = "A key-value store in one file under the workspace (a plain-C example)",
    .kind = WEIR_KIND_OTHER,
    .capabilities = WEIR_CAP_PARAMETERS | WEIR_CAP_TRANSACTIONS | WEIR_CAP_CANCEL,
    .open_database = kv_open_database,
    .close_database = kv_close_database,
    .connect = kv_connect,
    .close = kv_close,
    .execute = kv_execute,
    .ping = kv_ping,
    .reset = kv_reset,
    .begin = kv_begin,
    .commit = kv_commit,
    .rollback = kv_rollback,
    .in_transaction = kv_in_transaction,
    .cancel = kv_cancel,
};

WEIR_EXPORT weir_status weir_plugin_entry(uint32_t host_abi_version, const weir_host* host,
                                          weir_plugin* plugin, weir_error* error) {
  return weir_sdk_fill_plugin_table(host_abi_version, host, plugin, error, &kv_driver);
}
