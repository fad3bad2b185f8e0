// PostgreSQL result values, as the plugin receives them from libpq: a type
// oid and the value's text (weir asks for text results, never binary), to
// the typed JSON value a client sees. Input: one row, a value per line,
// "<oid> <text>", e.g. "1007 {1,2,NULL}". Unknown oids decode as text, or as
// an array of text when the value starts with '{', like the user types the
// plugin looks up in pg_type.
//
// Oracle beyond the sanitizers: a row the decoder accepts is valid JSON.
#include "numbered_lines.hpp"
#include "type_catalog.hpp"
#include "valid_result.hpp"
#include "value_decoder.hpp"

#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  weir::JsonResultWriter json(1 << 20);
  weir::sdk::ValueWriter out(json.writer());
  try {
    out.begin_array();
    for (const auto& [oid, text] :
         weir::fuzz::numbered_lines(std::string_view(reinterpret_cast<const char*>(data), size))) {
      const auto* builtin = oid ? weir::postgres::builtin_type(*oid) : nullptr;
      const weir::postgres::TypeInfo type =
          builtin != nullptr ? *builtin
                             : weir::postgres::TypeInfo{"mood", {}, text.substr(0, 1) == "{"};
      if (type.is_array) {
        weir::postgres::write_array(text, type.kind, out);
      } else {
        weir::postgres::write_scalar(text, type.kind, out);
      }
    }
    out.end_array();
  } catch (const weir::sdk::Error&) {
    return 0;
  }
  weir::fuzz::require_valid_result(json, "the value decoder");
  return 0;
}
