// What every connection of one chroma database shares: the settings, what was
// learned from the server once (pre-flight limits, that the tenant and
// database exist) and the collection name -> UUID cache. Thread-safe.
#pragma once

#include "chroma_settings.hpp"
#include "http_client.hpp"

#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace weir::chroma {

class ServerState {
 public:
  explicit ServerState(ChromaSettings settings);

  const ChromaSettings& settings() const noexcept { return settings_; }
  HttpClientOptions client_options() const;
  // "/api/v2/tenants/<T>/databases/<D>", percent-encoded.
  const std::string& database_path() const noexcept { return database_path_; }

  // Runs once per database, on the first connection that reaches the server:
  // creates (create_database) or checks the tenant and database, and reads
  // the pre-flight limits. Throws Error; a failure is retried on the next connect.
  void prepare(HttpClient& client);

  // Records per add / upsert / update request: the server's max_batch_size,
  // capped by the max_batch_size setting.
  std::size_t max_batch_size() const;

  // Record operations address collections by UUID; names resolve through this
  // cache. Entries go when the server says the UUID no longer exists.
  std::optional<std::string> cached_collection_id(const std::string& name) const;
  void remember_collection(const std::string& name, const std::string& id);
  void forget_collection(const std::string& name);

 private:
  void ensure_database(HttpClient& client);

  const ChromaSettings settings_;
  const std::string database_path_;
  mutable std::mutex mutex_;
  bool prepared_ = false;
  std::size_t server_max_batch_size_ = 0;
  std::unordered_map<std::string, std::string> collection_ids_;
};

}  // namespace weir::chroma
