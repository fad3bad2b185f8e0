// weir_sdk_error and the weir_value_writer shorthands of weir/sdk_c.h.
#include <weir/sdk_c.h>

#include <cstdarg>
#include <cstddef>
#include <cstdio>
#include <cstring>

extern "C" {

weir_status weir_sdk_error(weir_error* error, weir_status status, int retryable, const char* format,
                           ...) {
  if (error == nullptr || error->struct_size < WEIR_ERROR_V1_SIZE) return status;
  error->status = status;
  const bool decided = retryable == WEIR_SDK_RETRY_NO || retryable == WEIR_SDK_RETRY_YES;
  error->retryable = retryable != 0 && retryable != WEIR_SDK_RETRY_NO ? 1 : 0;
  if (error->struct_size >= offsetof(weir_error, retryable_decided) + sizeof(int32_t))
    error->retryable_decided = decided ? 1 : 0;
  va_list arguments;
  va_start(arguments, format);
  std::vsnprintf(error->message, sizeof(error->message), format, arguments);
  va_end(arguments);
  return status;
}

int weir_sdk_write_null(weir_value_writer* w) { return w->null_value(w->host_data); }
int weir_sdk_write_bool(weir_value_writer* w, int value) {
  return w->bool_value(w->host_data, value);
}
int weir_sdk_write_int(weir_value_writer* w, int64_t value) {
  return w->int64_value(w->host_data, value);
}
int weir_sdk_write_double(weir_value_writer* w, double value) {
  return w->double_value(w->host_data, value);
}
int weir_sdk_write_string(weir_value_writer* w, const char* utf8) {
  return w->string_value(w->host_data, utf8, std::strlen(utf8));
}
int weir_sdk_write_key(weir_value_writer* w, const char* utf8) {
  return w->key(w->host_data, utf8, std::strlen(utf8));
}
int weir_sdk_begin_array(weir_value_writer* w) { return w->begin_array(w->host_data); }
int weir_sdk_end_array(weir_value_writer* w) { return w->end_array(w->host_data); }
int weir_sdk_begin_object(weir_value_writer* w) { return w->begin_object(w->host_data); }
int weir_sdk_end_object(weir_value_writer* w) { return w->end_object(w->host_data); }

}  // extern "C"
