// write_response_head (host/response_head.*) writes what Beast's serializer writes:
// the session sends the head and the body in one write instead of through
// the serializer, so every answer's bytes must stay Beast's.
#include "response_head.hpp"

#include <gtest/gtest.h>

#include <boost/beast/http/write.hpp>

#include <sstream>

namespace weir {
namespace {

namespace http = boost::beast::http;

std::string beast_bytes(const HttpResponse& response) {
  std::ostringstream bytes;
  bytes << response;
  return bytes.str();
}

void expect_beasts_bytes(HttpResponse response) {
  response.prepare_payload();
  // A session's string, holding the previous answer's head: replaced, not appended to.
  std::string head = "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 30\r\n\r\n";
  write_response_head(response, head);
  EXPECT_EQ(head + response.body(), beast_bytes(response));
}

TEST(ResponseHead, AJsonAnswerIsBeastsBytes) {
  HttpResponse r{http::status::ok, 11};
  r.set(http::field::content_type, "application/json");
  r.body() = R"({"status":"live"})";
  r.keep_alive(true);
  expect_beasts_bytes(r);
}

TEST(ResponseHead, ARefusalWithRetryAfterAndCloseIsBeastsBytes) {
  HttpResponse r{http::status::service_unavailable, 11};
  r.set(http::field::content_type, "application/json");
  r.set(http::field::retry_after, "3");
  r.set("X-Weir-Custom", "a value, with commas");
  r.body() = R"({"error":{"code":"backend_unavailable"}})";
  r.keep_alive(false);
  expect_beasts_bytes(r);
}

TEST(ResponseHead, AnEmptyBodyAndAnHttp10ClientAreBeastsBytes) {
  HttpResponse empty{http::status::no_content, 11};
  expect_beasts_bytes(empty);
  HttpResponse old{http::status::not_found, 10};
  old.body() = "gone";
  expect_beasts_bytes(old);
}

TEST(ResponseHead, AStatusBeastHasNoNameForAndAnOwnReasonAreBeastsBytes) {
  HttpResponse unnamed;
  unnamed.version(11);
  unnamed.result(599);
  expect_beasts_bytes(unnamed);
  HttpResponse reasoned{http::status::too_many_requests, 11};
  reasoned.reason("Slow Down");
  expect_beasts_bytes(reasoned);
}

}  // namespace
}  // namespace weir
