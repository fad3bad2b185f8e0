// weir::sdk::may_have_been_applied — the retry verdict for a write whose
// connection broke after it was sent (weir_error.retryable_decided).
#pragma once

#include <weir/sdk/error.hpp>

namespace weir::sdk {

// A connection that broke after a write was sent, with no answer from the
// backend, leaves it unknown whether the backend applied it: running it
// again could apply it twice, so the host must not and the client is told
// not to (Retry::kNo). Anything else passes unchanged: another status, a
// verdict already given (Retry::kYes when the connection was found closed
// before anything was sent), or a break the backend explained with a code of
// its own (it answered: the write failed).
inline Error may_have_been_applied(const Error& e) {
  if (e.status() != WEIR_E_BROKEN || e.retryable_decided() || !e.code().empty()) return e;
  return Error(e.status(), e.message() + " (it may have been applied before the connection broke)",
               Retry::kNo, e.code(), e.detail());
}

}  // namespace weir::sdk
