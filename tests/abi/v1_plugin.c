/* A plugin as a third party wrote it against ABI version 1, in plain C and
 * against the frozen v1 header only: every request answers one row holding
 * how many requests this connection has served, except one whose request
 * holds "fail <status> <retryable>": that fails so, with weir_error.retryable
 * as given. The current host must keep loading and running it. */
#include "frozen/weir_plugin_v1.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct weir_pool {
  int unused;
};
struct weir_conn {
  int64_t served;
};

static weir_status pool_open(const weir_pool_params* params, weir_pool** out, weir_error* error) {
  (void)params;
  (void)error;
  *out = calloc(1, sizeof(weir_pool));
  return *out != NULL ? WEIR_OK : WEIR_E_INTERNAL;
}
static void pool_close(weir_pool* pool) { free(pool); }
static weir_status acquire(weir_pool* pool, const weir_acquire_options* options, weir_conn** out,
                           weir_error* error) {
  (void)pool;
  (void)options;
  (void)error;
  *out = calloc(1, sizeof(weir_conn));
  return *out != NULL ? WEIR_OK : WEIR_E_INTERNAL;
}
static void release(weir_pool* pool, weir_conn* conn, uint32_t flags) {
  (void)pool;
  (void)flags;
  free(conn);
}
static weir_status execute(weir_conn* conn, const char* request, size_t length, const weir_exec_options* options,
                           weir_value_writer* w, weir_error* error) {
  (void)options;
  char text[256];
  const size_t n = length < sizeof text - 1 ? length : sizeof text - 1;
  memcpy(text, request, n);
  text[n] = '\0';
  const char* fail = strstr(text, "fail ");
  int status, retryable;
  if (fail != NULL && sscanf(fail, "fail %d %d", &status, &retryable) == 2) {
    error->status = status;
    error->retryable = retryable;
    strcpy(error->message, "failed as asked");
    return status;
  }
  void* d = w->host_data;
  ++conn->served;
  if (w->begin_object(d) || w->key(d, "columns", 7) || w->begin_array(d) || w->string_value(d, "served", 6) ||
      w->end_array(d) || w->key(d, "rows", 4) || w->begin_array(d) || w->begin_array(d) ||
      w->int64_value(d, conn->served) || w->end_array(d) || w->end_array(d) || w->end_object(d)) {
    return WEIR_E_ABORTED;
  }
  return WEIR_OK;
}

WEIR_EXPORT weir_status weir_plugin_entry(uint32_t host_abi_version, const weir_host* host, weir_plugin* plugin,
                                          weir_error* error) {
  (void)host;
  (void)error;
  if (host_abi_version < WEIR_ABI_VERSION_1 || plugin->struct_size < WEIR_PLUGIN_V1_SIZE) return WEIR_E_ABI;
  plugin->abi_version = WEIR_ABI_VERSION_1;
  plugin->name = "frozen_v1";
  plugin->version = "1.0.0";
  plugin->kind = WEIR_KIND_OTHER;
  plugin->pool_open = pool_open;
  plugin->pool_close = pool_close;
  plugin->acquire = acquire;
  plugin->release = release;
  plugin->execute = execute;
  return WEIR_OK;
}
