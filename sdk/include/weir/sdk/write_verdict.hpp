// weir::sdk::may_have_been_applied — the retry verdict for a write that was
// sent and then lost its answer: its connection broke, or its deadline passed
// while the plugin waited (weir_error.retryable_decided).
#pragma once

#include <weir/sdk/error.hpp>

namespace weir::sdk {

// A write that was sent and got no answer from the backend, because its
// connection broke or because the plugin stopped waiting at the deadline
// without a way to make the backend stop it, may or may not have been
// applied: running it again could apply it twice, so the host must not and
// the client is told not to (Retry::kNo). Anything else passes unchanged:
// another status, a verdict already given (Retry::kYes when the connection
// was found closed before anything was sent), or a failure the backend
// explained with a code of its own (it answered: e.g. PostgreSQL's 57014,
// the statement stopped at the server).
inline Error may_have_been_applied(const Error& e) {
  if (e.retryable_decided() || !e.code().empty()) return e;
  const char* before = e.status() == WEIR_E_BROKEN    ? "before the connection broke"
                       : e.status() == WEIR_E_TIMEOUT ? "before the deadline passed"
                                                      : nullptr;
  if (before == nullptr) return e;
  return Error(e.status(), e.message() + " (it may have been applied " + before + ")", Retry::kNo,
               e.code(), e.detail());
}

}  // namespace weir::sdk
