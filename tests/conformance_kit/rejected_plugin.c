/*
 * Plugins a host must refuse, one per way of being wrong. Each fixture is
 * this file built with one REJECT_* definition (see CMakeLists.txt); the
 * loader tests here and the host's loader tests load them.
 */
#include <weir/plugin.h>

#include <string.h>

static weir_status open_pool(const weir_pool_params* params, weir_pool** out, weir_error* error) {
  (void)params;
  (void)out;
  (void)error;
  return WEIR_E_NOT_IMPLEMENTED;
}
static void close_pool(weir_pool* pool) { (void)pool; }
static weir_status acquire(weir_pool* pool, const weir_acquire_options* options, weir_conn** out,
                           weir_error* error) {
  (void)pool;
  (void)options;
  (void)out;
  (void)error;
  return WEIR_E_NOT_IMPLEMENTED;
}
static void release(weir_pool* pool, weir_conn* conn, uint32_t flags) {
  (void)pool;
  (void)conn;
  (void)flags;
}
static weir_status execute(weir_conn* conn, const char* request, size_t length,
                           const weir_exec_options* options, weir_value_writer* result,
                           weir_error* error) {
  (void)conn;
  (void)request;
  (void)length;
  (void)options;
  (void)result;
  (void)error;
  return WEIR_E_NOT_IMPLEMENTED;
}

/* Every fixture fills a valid table first; then it breaks one rule. */
static void fill_valid_table(weir_plugin* plugin) {
  plugin->abi_version = WEIR_ABI_VERSION_1;
  plugin->name = "rejected_fixture";
  plugin->version = "0.0.1";
  plugin->kind = WEIR_KIND_OTHER;
  plugin->pool_open = open_pool;
  plugin->pool_close = close_pool;
  plugin->acquire = acquire;
  plugin->release = release;
  plugin->execute = execute;
}

#if defined(REJECT_NO_ENTRY)
/* A working entry under the wrong name. */
WEIR_EXPORT weir_status weir_plugin_entry_v0(uint32_t host_abi_version, const weir_host* host,
                                             weir_plugin* plugin, weir_error* error) {
  (void)host_abi_version;
  (void)host;
  (void)error;
  fill_valid_table(plugin);
  return WEIR_OK;
}
#else

#if defined(REJECT_ABI) || defined(REJECT_ENTRY_ERROR)
static weir_status fail(weir_error* error, weir_status status, const char* message) {
  if (error != NULL && error->struct_size >= WEIR_ERROR_V1_SIZE) {
    error->status = status;
    strncpy(error->message, message, sizeof(error->message) - 1);
  }
  return status;
}
#endif

WEIR_EXPORT weir_status weir_plugin_entry(uint32_t host_abi_version, const weir_host* host,
                                          weir_plugin* plugin, weir_error* error) {
  (void)host_abi_version;
  (void)host;
  (void)error;
  fill_valid_table(plugin);
#if defined(REJECT_ABI)
  return fail(error, WEIR_E_ABI, "this fixture implements ABI version 99 only");
#elif defined(REJECT_ENTRY_ERROR)
  return fail(error, WEIR_E_INTERNAL, "fixture: cannot start");
#elif defined(REJECT_TOO_NEW)
  plugin->abi_version = host_abi_version + 1;
  return WEIR_OK;
#elif defined(REJECT_MISSING_SLOT)
  plugin->execute = NULL;
  return WEIR_OK;
#elif defined(REJECT_BAD_NAME)
  plugin->name = "Bad-Name";
  return WEIR_OK;
#else
#error "define one REJECT_* to choose the fixture"
#endif
}
#endif
