// weir::replay_json — JSON text (a plugin's json_value: a PostgreSQL json
// column, a Chroma response) replayed as weir_value_writer calls, so nested
// JSON is written by the same rules as every other value (strings checked,
// int64 form, size limit). Numbers keep the backend's spelling digit for
// digit: a JSON number may carry more than a double (jsonb's numeric), and
// parsing it into one would round it.
#pragma once

#include <weir/plugin.h>

#include <functional>
#include <string>
#include <string_view>

namespace weir {

// Integers that fit in an int64 go to out.int64_value; every other number
// (fractions, exponents, integers beyond int64) to `number` as its literal.
// Returns 0, the first nonzero return of a writer call, or -1 when `text` is
// not valid JSON (then `invalid` says why).
int replay_json(std::string_view text, weir_value_writer& out,
                const std::function<int(std::string_view literal)>& number, std::string& invalid);

}  // namespace weir
