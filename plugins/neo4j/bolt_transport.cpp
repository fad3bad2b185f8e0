// Bolt chunks straight on the stream (bolt://, neo4j:// and their TLS forms).
#include "socket_streams.hpp"
#include "socket_transports.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/stream_traits.hpp>

namespace weir::neo4j {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;

template <class Stream>
class BoltTransport final : public Transport {
 public:
  BoltTransport(const std::string& host, std::uint16_t port, const TlsContext* tls,
                Deadline deadline)
      : stream_(make_stream<Stream>(io_, tls)) {
    open(io_, stream_, host, port, tls, deadline);
  }
  bool encrypted() const noexcept override { return kEncrypted<Stream>; }
  void write(std::string_view bytes, Deadline deadline) override {
    set_expiry(beast::get_lowest_layer(stream_), deadline);
    auto ec = run_one(io_, [&](auto h) {
      asio::async_write(stream_, asio::buffer(bytes.data(), bytes.size()), h);
    });
    if (ec) io_failed(ec, "writing to neo4j");
  }
  void read_exact(char* out, std::size_t n, Deadline deadline) override {
    set_expiry(beast::get_lowest_layer(stream_), deadline);
    auto ec = run_one(io_, [&](auto h) { asio::async_read(stream_, asio::buffer(out, n), h); });
    if (ec) io_failed(ec, "reading from neo4j");
  }
  bool closed_by_peer() noexcept override {
    return neo4j::closed_by_peer(beast::get_lowest_layer(stream_), !kEncrypted<Stream>);
  }
  int raw_bolt_socket() noexcept override {
    if constexpr (kEncrypted<Stream>)
      return -1;
    else
      return stream_.socket().native_handle();
  }
  void interrupt() noexcept override { neo4j::interrupt(beast::get_lowest_layer(stream_)); }
  void close() noexcept override { shut(beast::get_lowest_layer(stream_)); }

 private:
  asio::io_context io_;
  Stream stream_;
};

}  // namespace

std::unique_ptr<Transport> connect_bolt(const std::string& host, std::uint16_t port,
                                        const TlsContext* tls, Deadline deadline) {
  if (tls != nullptr) return std::make_unique<BoltTransport<TlsStream>>(host, port, tls, deadline);
  return std::make_unique<BoltTransport<PlainStream>>(host, port, tls, deadline);
}

}  // namespace weir::neo4j
