// The HTTP responses the API answers with: a JSON body, or an ApiError's.
#pragma once

#include "api_error.hpp"
#include "http_server.hpp"

#include <string>

namespace weir {

HttpResponse json_response(unsigned status, std::string body);
// The error's JSON body, its code in x-weir-error, and Retry-After / Allow when it has them.
HttpResponse error_response(const ApiError& error);

}  // namespace weir
