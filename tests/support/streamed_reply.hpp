// A response read as it arrives, line by line: for tests of streamed (NDJSON)
// results, which must see the first lines before the last exist, stop
// reading, or leave in the middle.
#pragma once

#include "http_client.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace weir::testing {

// An NDJSON body read to its end: the first line, the row lines (JSON
// arrays) counted, the last line.
struct StreamedLines {
  std::optional<std::string> header;
  std::size_t rows = 0;
  std::optional<std::string> last;
};

class StreamedReply {
 public:
  // Sends one POST and reads the response header.
  StreamedReply(std::uint16_t port, const std::string& target, const std::string& body,
                const HttpHeaders& headers);
  ~StreamedReply();

  unsigned status() const;
  const HttpHeaders& headers() const;
  // The next line of the body, without its newline; nothing at the end of the
  // body. Throws when the connection breaks before the end.
  std::optional<std::string> next_line();
  // Reads the rest of the body, keeping only what StreamedLines holds.
  StreamedLines read_to_end();
  // Bytes of body received so far.
  std::size_t body_bytes() const;
  // Closes the connection, in the middle of the body or not.
  void close();

 private:
  struct Connection;
  std::unique_ptr<Connection> connection_;
};

}  // namespace weir::testing
