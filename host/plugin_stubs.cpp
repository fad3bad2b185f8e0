#include "plugin_stubs.hpp"

#include <cstdio>
#include <cstring>

namespace weir {

namespace {

weir_status not_implemented(weir_error* error, const char* what) noexcept {
  if (error != nullptr && error->struct_size >= WEIR_ERROR_V1_SIZE) {
    error->status = WEIR_E_NOT_IMPLEMENTED;
    error->retryable = 0;
    std::snprintf(error->message, sizeof error->message, "this backend does not support %s", what);
  }
  return WEIR_E_NOT_IMPLEMENTED;
}

void stats_stub(weir_pool*, weir_pool_stats* out) noexcept {
  const auto size = out->struct_size;
  std::memset(out, 0, size);
  out->struct_size = size;
}
weir_status drain_stub(weir_pool*, uint32_t, uint32_t* forced) noexcept {
  if (forced != nullptr) *forced = 0;
  return WEIR_E_NOT_IMPLEMENTED;
}
weir_status describe_stub(weir_pool*, weir_value_writer* out) noexcept {
  return out->begin_object(out->host_data) || out->end_object(out->host_data) ? WEIR_E_ABORTED
                                                                              : WEIR_OK;
}
// Without a health function the pool's own acquire results are the only signal.
void health_stub(weir_pool*, weir_health* out) noexcept {
  out->state = WEIR_HEALTHY;
  out->reason[0] = '\0';
}
weir_status check_stub(weir_conn*, uint32_t, weir_value_writer*, weir_error* error) noexcept {
  return not_implemented(error, "health checks");
}
weir_status begin_stub(weir_conn*, const char*, size_t, weir_error* error) noexcept {
  return not_implemented(error, "transactions");
}
weir_status end_stub(weir_conn*, weir_error* error) noexcept {
  return not_implemented(error, "transactions");
}
weir_status cancel_stub(weir_conn*) noexcept { return WEIR_E_NOT_IMPLEMENTED; }
weir_status validate_config_stub(const weir_pool_params*, weir_error* error) noexcept {
  return not_implemented(error, "checking its settings without opening a pool");
}
weir_status execute_async_stub(weir_conn*, weir_loop*, const char*, size_t,
                               const weir_exec_options*, weir_value_writer*, const weir_completion*,
                               weir_error* error) noexcept {
  return not_implemented(error, "asynchronous requests");
}

weir_status acquire_ready_stub(weir_pool*, const weir_acquire_options*, weir_conn**,
                               weir_error* error) noexcept {
  if (error != nullptr) error->status = WEIR_E_WOULD_BLOCK;
  return WEIR_E_WOULD_BLOCK;  // every acquire goes through acquire, on a thread that may block
}
int release_ready_stub(weir_pool*, weir_conn*) noexcept { return 0; }
weir_status acquire_queued_stub(weir_pool*, const weir_acquire_options*,
                                const weir_acquire_completion*, weir_error* error) noexcept {
  if (error != nullptr) error->status = WEIR_E_WOULD_BLOCK;
  return WEIR_E_WOULD_BLOCK;  // its waits block a thread in acquire
}

}  // namespace

void fill_optional_slots(weir_plugin& t) noexcept {
  if (t.pool_stats == nullptr) t.pool_stats = stats_stub;
  if (t.pool_drain == nullptr) t.pool_drain = drain_stub;
  if (t.pool_describe == nullptr) t.pool_describe = describe_stub;
  if (t.pool_health == nullptr) t.pool_health = health_stub;
  if (t.check == nullptr) t.check = check_stub;
  if (t.begin == nullptr) t.begin = begin_stub;
  if (t.commit == nullptr) t.commit = end_stub;
  if (t.rollback == nullptr) t.rollback = end_stub;
  if (t.cancel == nullptr) t.cancel = cancel_stub;
  // A v1 plugin knows nothing past cancel: whatever lies there is not its answer.
  if (t.abi_version < WEIR_ABI_VERSION_2 || t.validate_config == nullptr)
    t.validate_config = validate_config_stub;
  if (t.abi_version < WEIR_ABI_VERSION_2 || t.execute_async == nullptr) {
    t.execute_async = execute_async_stub;
    t.capabilities &= ~WEIR_CAP_EXECUTE_ASYNC;  // its requests run on worker threads
  }
  if (t.abi_version < WEIR_ABI_VERSION_2 || t.acquire_ready == nullptr)
    t.acquire_ready = acquire_ready_stub;
  if (t.abi_version < WEIR_ABI_VERSION_2 || t.release_ready == nullptr)
    t.release_ready = release_ready_stub;
  if (t.abi_version < WEIR_ABI_VERSION_2 || t.acquire_queued == nullptr)
    t.acquire_queued = acquire_queued_stub;
}

}  // namespace weir
