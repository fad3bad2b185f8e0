// PackStream bytes from a Bolt peer: decode, render as weir's JSON result
// forms (nodes, paths, temporal types, ...) and encode again.
//
// Oracles beyond the sanitizers: a decoded value re-encodes to bytes that
// decode and encode to the same bytes, and a value json_mapping accepts
// becomes one complete, valid JSON document.
#include "json_mapping.hpp"
#include "packstream.hpp"
#include "valid_result.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace packstream = weir::neo4j::packstream;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  weir::neo4j::Value value;
  try {
    value = packstream::decode(std::string_view(reinterpret_cast<const char*>(data), size));
  } catch (const weir::sdk::Error&) {
    return 0;
  }
  std::string once;
  packstream::encode(value, once);
  std::string twice;
  packstream::encode(packstream::decode(once), twice);
  if (once != twice) {
    std::fprintf(stderr, "PackStream encoding is not stable across a decode\n");
    std::abort();
  }

  weir::JsonResultWriter json(1 << 20);
  weir::sdk::ValueWriter out(json.writer());
  try {
    weir::neo4j::write_value(value, out);
  } catch (const weir::sdk::Error&) {
    return 0;
  }
  weir::fuzz::require_valid_result(json, "json_mapping");
  return 0;
}
