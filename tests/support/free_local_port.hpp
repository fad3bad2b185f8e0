// A TCP port on 127.0.0.1 that was free a moment ago.
#pragma once

#include <cstdint>

namespace weir::testing {

std::uint16_t free_local_port();

}  // namespace weir::testing
