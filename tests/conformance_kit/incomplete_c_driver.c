/* A plugin on the SDK's C API (weir/sdk_c.h) whose driver is incomplete: the
 * SDK refuses it from the entry, naming what is missing. LACKS_EXECUTE leaves
 * out a required callback; otherwise it declares WEIR_CAP_CANCEL without cancel. */
#include <weir/sdk_c.h>

static weir_status open_database(const weir_sdk_json* settings, void** database,
                                 weir_error* error) {
  (void)settings, (void)database, (void)error;
  return WEIR_OK;
}
static weir_status connect(void* database, void** connection, weir_error* error) {
  (void)database, (void)connection, (void)error;
  return WEIR_OK;
}
static void close_connection(void* connection) { (void)connection; }
static weir_status execute(void* connection, const weir_sdk_json* request,
                           const weir_exec_options* options, weir_value_writer* result,
                           weir_error* error) {
  (void)connection, (void)request, (void)options, (void)result, (void)error;
  return WEIR_OK;
}

static const weir_sdk_driver driver = {
    .struct_size = sizeof(weir_sdk_driver),
    .name = "incomplete",
    .version = "0.0.1",
    .kind = WEIR_KIND_OTHER,
    .capabilities = WEIR_CAP_CANCEL,
    .open_database = open_database,
    .connect = connect,
    .close = close_connection,
#ifndef LACKS_EXECUTE
    .execute = execute,
#endif
};

WEIR_EXPORT weir_status weir_plugin_entry(uint32_t host_abi_version, const weir_host* host,
                                          weir_plugin* plugin, weir_error* error) {
  (void)execute;
  return weir_sdk_fill_plugin_table(host_abi_version, host, plugin, error, &driver);
}
