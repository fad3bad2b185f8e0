#include "chroma_factory.hpp"

#include "chroma_connection.hpp"

namespace weir::chroma {

ChromaFactory::ChromaFactory(ChromaSettings settings)
    : state_(std::make_shared<ServerState>(std::move(settings))) {}

std::unique_ptr<sdk::Connection> ChromaFactory::connect(const sdk::ConnectOptions& options) {
  auto client = std::make_unique<HttpClient>(state_->client_options());
  const std::string& url = state_->settings().url;
  try {
    // A server that accepts connections but never answers must fail the
    // connect as soon as a refused one: the heartbeat is part of connecting.
    const auto response =
        client->get("/api/v2/heartbeat", options.bound(state_->settings().connect_timeout));
    if (response.status != 200) {
      throw sdk::Error(WEIR_E_UNAVAILABLE,
                       "Chroma at " + url + " answered the heartbeat with HTTP " +
                           std::to_string(response.status),
                       true);
    }
  } catch (const sdk::Error& e) {
    if (e.status() == WEIR_E_UNAVAILABLE) throw;
    // A timeout or reset while connecting means the same as a refused connection.
    throw sdk::Error(WEIR_E_UNAVAILABLE, "cannot reach Chroma at " + url + ": " + e.message(), true,
                     e.code(), e.detail());
  }
  state_->prepare(*client);
  return std::make_unique<ChromaConnection>(std::move(client), state_);
}

}  // namespace weir::chroma
