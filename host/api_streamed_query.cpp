// POST /v1/databases/{name}/query with `Accept: application/x-ndjson`: the
// result goes out as NDJSON lines while the plugin writes it
// (ndjson_result_writer.hpp), so a large result never sits whole in memory.
#include "api.hpp"

#include "body_stream.hpp"
#include "ndjson_result_writer.hpp"

#include <boost/algorithm/string/classification.hpp>
#include <boost/algorithm/string/predicate.hpp>
#include <boost/algorithm/string/split.hpp>
#include <boost/algorithm/string/trim.hpp>

#include <cstdlib>
#include <vector>

namespace weir {

namespace {

namespace http = boost::beast::http;

constexpr std::string_view kNdjson = "application/x-ndjson";
// Unsent bytes a stream may hold before the plugin waits for the client.
constexpr std::size_t kStreamBuffer = 256 * 1024;

// True when one of the Accept header's media ranges is NDJSON with a weight above 0.
bool accepts_ndjson(std::string_view accept) {
  // Most requests say */* or application/json: no parsing for those.
  if (!boost::algorithm::icontains(accept, kNdjson)) return false;
  std::vector<std::string> ranges;
  boost::algorithm::split(ranges, accept, boost::is_any_of(","));
  for (const auto& range : ranges) {
    std::vector<std::string> parts;
    boost::algorithm::split(parts, range, boost::is_any_of(";"));
    for (auto& part : parts) boost::algorithm::trim(part);
    if (!boost::algorithm::iequals(parts.front(), kNdjson)) continue;
    double weight = 1;
    for (const auto& parameter : parts) {
      if (boost::algorithm::istarts_with(parameter, "q="))
        weight = std::strtod(parameter.c_str() + 2, nullptr);
    }
    if (weight > 0) return true;
  }
  return false;
}

HttpResponse ndjson_header() {
  HttpResponse header{http::status::ok, 11};
  header.set(http::field::content_type, kNdjson);
  header.set(http::field::server, "weir/" WEIR_VERSION);
  return header;
}

}  // namespace

bool Api::wants_ndjson(const HttpRequest& request) {
  const auto accept = request.find(http::field::accept);
  return accept != request.end() && accepts_ndjson(accept->value());
}

void Api::query_streamed(const Call& call, const boost::json::object& request, bool read_only,
                         const RequestContext& context) {
  auto stream = std::make_shared<BodyStream>(kStreamBuffer);
  bool replied = false;
  // The status line goes out with the first line: an error before it (no
  // connection, a syntax error) is still an ordinary error response.
  NdjsonResultWriter lines(context.max_result_bytes, context.int64_form,
                           [&](std::string_view line) {
                             if (!replied) {
                               replied = true;
                               call.reply(HttpReply(ndjson_header(), stream));
                             }
                             return stream->write_line(line, context.cancelled);
                           });
  try {
    call.database->database->query(request, read_only, context, lines);
  } catch (const ApiError& e) {
    if (!replied) throw;
    // After a 200, the error is the stream's last line. A deadline the
    // watchdog enforced reads as such, not as the cancel it caused.
    const bool overdue =
        !call.client_gone.stop_requested() && call.backend->cancel.stop_requested();
    const ApiError& reported =
        overdue ? overdue_error(*call.backend, call.database->database->name()) : e;
    stream->write_line(reported.body(), {});
    stream->end();
    throw reported;  // for the request's metrics; its response is not sent again
  }
  stream->end();
}

}  // namespace weir
