// weir::response_head — a whole response's status line and fields as the
// bytes HTTP/1.1 sends, so that the session writes them and the body in one
// gather write. Beast's serializer, which produces the same bytes, walks its
// nested buffer views on every write_some: about a tenth of the gateway's
// CPU on /health/live (docs/performance.md).
#pragma once

#include "http_server.hpp"

#include <string>

namespace weir {

// Writes "HTTP/1.1 200 OK\r\n" then "Name: value\r\n" per field, in order, then "\r\n" to
// `head`, replacing what it held (a session reuses one string, and so its memory).
void write_response_head(const HttpResponse& response, std::string& head);

}  // namespace weir
