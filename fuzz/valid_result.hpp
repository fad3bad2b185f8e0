// The oracle the decoding harnesses share: a result the host's JSON writer
// accepted as complete is exactly one valid JSON document.
#pragma once

#include "json_result_writer.hpp"

#include <boost/json/parse.hpp>

#include <cstdio>
#include <cstdlib>

namespace weir::fuzz {

inline void require_valid_result(const JsonResultWriter& json, const char* producer) {
  boost::json::parse_options options;
  options.max_depth = 4096;  // results nest as deep as the backend's values; clients cope
  boost::system::error_code ec;
  boost::json::parse(json.text(), ec, {}, options);
  if (json.complete() && !ec) return;
  std::fprintf(stderr, "%s wrote an invalid result (%s%s): %s\n", producer, json.problem().c_str(),
               ec ? ec.message().c_str() : "", json.text().c_str());
  std::abort();
}

}  // namespace weir::fuzz
