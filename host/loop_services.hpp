// The event loop the host lends plugins (ABI v2, weir_host's watch_add ...
// post): each I/O thread's io_context is a weir_loop, a watched socket is a
// posix::stream_descriptor that never owns its fd, a timer a steady_timer.
#pragma once

#include <weir/plugin.h>

#include <boost/asio/io_context.hpp>

namespace weir {

// Fills the v2 loop services of `host`.
void lend_event_loop(weir_host& host) noexcept;

// The weir_loop a plugin is given for `context` (the same object, opaque to the plugin).
weir_loop* as_weir_loop(boost::asio::io_context& context) noexcept;

}  // namespace weir
