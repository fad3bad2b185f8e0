// Maps a Chroma error response to the weir status a caller should see, keeping
// the server's error kind (code) and message word for word.
#pragma once

#include "http_client.hpp"

#include <weir/sdk/error.hpp>

#include <string_view>

namespace weir::chroma {

// The Error for a non-2xx answer to `what` (e.g. "POST /api/v2/.../add").
sdk::Error chroma_error(const HttpResponse& response, std::string_view what);

// Throws chroma_error() unless the status is 2xx.
void expect_success(const HttpResponse& response, std::string_view what);

}  // namespace weir::chroma
