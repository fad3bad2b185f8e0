#include "sqlite_database.hpp"

#include "sqlite_connection.hpp"

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <string>
#include <system_error>

namespace weir::sqlite {
namespace {

// memdb names starting with '/' are shared by every handle of the process
// that opens the same name; the counter keeps each pool's database its own.
std::string unique_memory_uri() {
  static std::atomic<unsigned long> next{0};
  return "file:/weir-memory-" + std::to_string(::getpid()) + "-" + std::to_string(next++) +
         "?vfs=memdb";
}

}  // namespace

SqliteDatabase::SqliteDatabase(const weir::sdk::OpenContext& context)
    : shared_(std::make_shared<SharedDatabase>()) {
  shared_->settings = read_settings(context);
  const SqliteSettings& settings = shared_->settings;
  if (settings.in_memory) {
    shared_->filename = unique_memory_uri();
    anchor_ = open_handle(*shared_);
    return;
  }
  shared_->filename = settings.path.string();
  if (settings.create) {
    std::error_code error;
    std::filesystem::create_directories(settings.path.parent_path(), error);
    if (error) {
      context.connection.fail("path", "cannot create the directory " +
                                          settings.path.parent_path().string() + ": " +
                                          error.message());
    }
  }
}

std::unique_ptr<weir::sdk::Connection> SqliteDatabase::connect(
    const weir::sdk::ConnectOptions& /*options*/) {
  return std::make_unique<SqliteConnection>(shared_, open_handle(*shared_));
}

}  // namespace weir::sqlite
