// weir::json_text — the SDK's JSON writer (weir/sdk/json_text.hpp), by the
// name the host's code uses.
#pragma once

#include <weir/sdk/json_text.hpp>

namespace weir {

using sdk::json_text;

}  // namespace weir
