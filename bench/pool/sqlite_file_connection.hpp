// A real connection for the benchmark: one sqlite3 handle on a file. Every
// variant pools (or opens) the same kind, so only the pooling differs.
#pragma once

#include <weir/sdk/connection.hpp>
#include <weir/sdk/error.hpp>

#include <sqlite3.h>

#include <string>

namespace weir::pool_bench {

class SqliteFileConnection final : public sdk::Connection {
 public:
  explicit SqliteFileConnection(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
        SQLITE_OK) {
      const std::string message = db_ != nullptr ? sqlite3_errmsg(db_) : "out of memory";
      sqlite3_close(db_);
      throw sdk::Error(WEIR_E_UNAVAILABLE, "cannot open " + path + ": " + message, true);
    }
  }
  ~SqliteFileConnection() override { sqlite3_close(db_); }

  void execute(const boost::json::object&, const sdk::ExecOptions&, sdk::ValueWriter&) override {}
  bool ping() override { return true; }
  bool in_transaction() const override { return sqlite3_get_autocommit(db_) == 0; }

 private:
  sqlite3* db_ = nullptr;
};

class SqliteFileFactory final : public sdk::ConnectionFactory {
 public:
  explicit SqliteFileFactory(std::string path) : path_(std::move(path)) {}
  std::unique_ptr<sdk::Connection> connect(const sdk::ConnectOptions& /*options*/) override {
    return std::make_unique<SqliteFileConnection>(path_);
  }

 private:
  std::string path_;
};

}  // namespace weir::pool_bench
