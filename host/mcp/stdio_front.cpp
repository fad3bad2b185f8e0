#include "mcp/stdio_front.hpp"

#include <condition_variable>
#include <istream>
#include <mutex>
#include <ostream>

namespace weir::mcp {

namespace {

enum class Line { kRead, kTooLong, kEnd };

// One line without its '\n' (and a '\r' before it); a line longer than `limit` is read to its
// end but not kept.
Line read_line(std::istream& in, std::string& line, std::size_t limit) {
  line.clear();
  bool too_long = false;
  std::streambuf& buffer = *in.rdbuf();
  for (;;) {
    const int c = buffer.sbumpc();
    if (c == std::char_traits<char>::eof()) {
      if (line.empty() && !too_long) return Line::kEnd;
      break;
    }
    if (c == '\n') break;
    if (line.size() < limit) {
      line += static_cast<char>(c);
    } else {
      too_long = true;
    }
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return too_long ? Line::kTooLong : Line::kRead;
}

}  // namespace

void serve_stdio(Server& server, std::istream& in, std::ostream& out, StdioLimits limits) {
  const auto session = std::make_shared<Session>("stdio", false);
  std::mutex mutex;  // one answer on stdout at a time, whole
  std::condition_variable all_answered;
  std::size_t pending = 0;
  const auto write = [&](const std::string& text) {
    std::lock_guard lock(mutex);
    out << text << '\n' << std::flush;
  };
  session->set_sink(write);  // notifications go between answers, as lines of their own
  std::string line;
  for (Line read; (read = read_line(in, line, limits.max_message_bytes)) != Line::kEnd;) {
    if (read == Line::kTooLong) {
      write(error_text(RpcError(rpc_code::kInvalidRequest,
                                "the message is larger than limits.max_body_bytes (" +
                                    std::to_string(limits.max_message_bytes) + " bytes)")));
      continue;
    }
    if (line.find_first_not_of(" \t") == std::string::npos)
      continue;  // blank lines separate nothing
    {
      std::lock_guard lock(mutex);
      ++pending;
    }
    server.handle(session, line,
                  Context{Caller{"stdio", nullptr},
                          std::chrono::steady_clock::now() + limits.request_timeout,
                          {}},
                  [&](std::optional<std::string> text) {
                    std::lock_guard lock(mutex);
                    if (text) out << *text << '\n' << std::flush;
                    if (--pending == 0) all_answered.notify_all();
                  });
  }
  session->set_sink(nullptr);  // `write` ends with this function
  std::unique_lock lock(mutex);
  all_answered.wait(lock, [&] { return pending == 0; });
}

}  // namespace weir::mcp
