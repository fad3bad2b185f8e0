// Stand-ins for the optional slots a plugin left NULL, so host code calls
// every slot without testing for NULL (as ADBC's driver manager does).
#pragma once

#include <weir/plugin.h>

namespace weir {

// Fills each NULL optional slot of `table` with a stub.
void fill_optional_slots(weir_plugin& table) noexcept;

}  // namespace weir
