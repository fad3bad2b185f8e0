// weir_sdk_fill_plugin_table: a C driver's callbacks behind the SDK's
// Connection and ConnectionFactory, exported through the same trampolines and
// pool as a C++ plugin (plugin_export.hpp), so both kinds behave alike.
#include "json_document.hpp"
#include "writer_bridge.hpp"

#include <weir/sdk_c.h>
#include <weir/sdk/plugin_export.hpp>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <limits>
#include <memory>
#include <string>

namespace weir::sdk::c {
namespace {

// Calls one C callback with a fresh, full-size weir_error and throws what it reports.
template <class Callback>
void call(const char* name, Callback&& callback) {
  weir_error error{};
  error.struct_size = sizeof(error);
  const weir_status status = callback(&error);
  if (status == WEIR_OK) return;
  const auto text = [](const char* buffer, std::size_t size) {
    return std::string(buffer, strnlen(buffer, size));
  };
  std::string message = text(error.message, sizeof(error.message));
  if (message.empty())
    message = std::string(name) + " failed with status " + std::to_string(status);
  std::string code = text(error.code, sizeof(error.code));
  std::string detail = text(error.detail, sizeof(error.detail));
  if (error.retryable_decided != 0) {
    throw Error(status, message, error.retryable != 0 ? Retry::kYes : Retry::kNo, code, detail);
  }
  throw Error(status, message, error.retryable != 0, code, detail);
}

std::uint32_t timeout_ms(std::chrono::milliseconds timeout) noexcept {
  return static_cast<std::uint32_t>(
      std::clamp<std::int64_t>(timeout.count(), 0, std::numeric_limits<std::uint32_t>::max()));
}

class CConnection final : public Connection {
 public:
  CConnection(const weir_sdk_driver& driver, void* handle) noexcept
      : driver_(driver), handle_(handle) {}
  ~CConnection() override { driver_.close(handle_); }

  void execute(const boost::json::object& request, const ExecOptions& options,
               ValueWriter& result) override {
    JsonDocument document(request, "request", WEIR_E_INVALID_REQUEST);
    weir_exec_options o{};
    o.struct_size = sizeof(o);
    o.timeout_ms = timeout_ms(options.timeout);
    o.flags = (options.read_only ? WEIR_EXEC_READ_ONLY : 0u) |
              (options.streamed ? WEIR_EXEC_STREAMED : 0u) |
              (options.primary ? WEIR_EXEC_PRIMARY : 0u);
    WriterBridge bridge(result);
    try {
      call("execute", [&](weir_error* e) {
        return driver_.execute(handle_, document.root(), &o, bridge.writer(), e);
      });
    } catch (const Error&) {
      bridge.rethrow_stop();  // the host's stop explains the failure best
      throw;
    }
    bridge.rethrow_stop();
  }

  bool ping() override { return driver_.ping == nullptr || driver_.ping(handle_) != 0; }

  void describe_backend(ValueWriter& detail) override {
    if (driver_.describe_backend == nullptr) return Connection::describe_backend(detail);
    WriterBridge bridge(detail);
    call("describe_backend",
         [&](weir_error* e) { return driver_.describe_backend(handle_, bridge.writer(), e); });
    bridge.rethrow_stop();
  }

  void reset() override {
    if (driver_.reset != nullptr)
      call("reset", [&](weir_error* e) { return driver_.reset(handle_, e); });
  }

  void begin(const boost::json::object& options, std::chrono::milliseconds timeout) override {
    if (driver_.begin == nullptr) not_implemented("transactions");
    JsonDocument document(options, "options", WEIR_E_INVALID_REQUEST);
    call("begin", [&](weir_error* e) {
      return driver_.begin(handle_, document.root(), timeout_ms(timeout), e);
    });
  }
  void commit(std::chrono::milliseconds timeout) override {
    if (driver_.commit == nullptr) not_implemented("transactions");
    call("commit", [&](weir_error* e) { return driver_.commit(handle_, timeout_ms(timeout), e); });
  }
  void rollback(std::chrono::milliseconds timeout) override {
    if (driver_.rollback == nullptr) not_implemented("transactions");
    call("rollback",
         [&](weir_error* e) { return driver_.rollback(handle_, timeout_ms(timeout), e); });
  }
  bool in_transaction() const override {
    return driver_.in_transaction != nullptr && driver_.in_transaction(handle_) != 0;
  }
  void cancel() noexcept override {
    if (driver_.cancel != nullptr) driver_.cancel(handle_);
  }

 private:
  const weir_sdk_driver& driver_;
  void* handle_;
};

class CFactory final : public ConnectionFactory {
 public:
  CFactory(const weir_sdk_driver& driver, void* database) noexcept
      : driver_(driver), database_(database) {}
  ~CFactory() override {
    if (driver_.close_database != nullptr) driver_.close_database(database_);
  }
  CFactory(const CFactory&) = delete;
  CFactory& operator=(const CFactory&) = delete;

  // weir_sdk_driver.connect takes no timeout: the driver bounds its connect itself.
  std::unique_ptr<Connection> connect(const ConnectOptions& /*options*/) override {
    void* handle = nullptr;
    call("connect", [&](weir_error* e) { return driver_.connect(database_, &handle, e); });
    try {
      return std::make_unique<CConnection>(driver_, handle);
    } catch (...) {
      driver_.close(handle);
      throw;
    }
  }

 private:
  const weir_sdk_driver& driver_;
  void* database_;
};

// The Driver that Trampolines<> expects. A plugin library holds one C driver,
// set by weir_sdk_fill_plugin_table before the table is filled.
struct CDriver {
  static inline PluginInfo info{};
  static inline const weir_sdk_driver* driver = nullptr;

  static std::unique_ptr<ConnectionFactory> open(const OpenContext& context) {
    void* database = open_database(context);
    try {
      return std::make_unique<CFactory>(*driver, database);
    } catch (...) {
      close_database(database);
      throw;
    }
  }

  // The settings half of open(), for validate_config: open_database only reads
  // and checks settings (its documented contract: no connecting, no files), so
  // checking them is opening the driver's per-database state and closing it.
  static void validate(const OpenContext& context) { close_database(open_database(context)); }

 private:
  static void* open_database(const OpenContext& context) {
    JsonDocument settings(context.connection.object(), context.connection.path(),
                          WEIR_E_INVALID_CONFIG, context.data_dir);
    void* database = nullptr;
    call("open_database",
         [&](weir_error* e) { return driver->open_database(settings.root(), &database, e); });
    return database;
  }
  static void close_database(void* database) noexcept {
    if (driver->close_database != nullptr) driver->close_database(database);
  }
};

// What a driver lacks, or nullptr when it is complete.
const char* missing_callback(const weir_sdk_driver& d) noexcept {
  if (d.name == nullptr || d.version == nullptr) return "name or version";
  if (d.open_database == nullptr) return "open_database";
  if (d.connect == nullptr) return "connect";
  if (d.close == nullptr) return "close";
  if (d.execute == nullptr) return "execute";
  if ((d.capabilities & WEIR_CAP_TRANSACTIONS) != 0 &&
      (d.begin == nullptr || d.commit == nullptr || d.rollback == nullptr ||
       d.in_transaction == nullptr)) {
    return "begin, commit, rollback or in_transaction (it declares WEIR_CAP_TRANSACTIONS)";
  }
  if ((d.capabilities & WEIR_CAP_CANCEL) != 0 && d.cancel == nullptr) {
    return "cancel (it declares WEIR_CAP_CANCEL)";
  }
  return nullptr;
}

}  // namespace
}  // namespace weir::sdk::c

extern "C" weir_status weir_sdk_fill_plugin_table(uint32_t host_abi_version, const weir_host* host,
                                                  weir_plugin* plugin, weir_error* error,
                                                  const weir_sdk_driver* driver) {
  using weir::sdk::c::CDriver;
  if (driver == nullptr || driver->struct_size < sizeof(weir_sdk_driver)) {
    return weir_sdk_error(error, WEIR_E_INTERNAL, 0,
                          "the plugin's weir_sdk_driver is missing or smaller than this SDK's");
  }
  if (const char* missing = weir::sdk::c::missing_callback(*driver)) {
    return weir_sdk_error(error, WEIR_E_INTERNAL, 0, "the plugin's weir_sdk_driver lacks %s",
                          missing);
  }
  CDriver::driver = driver;
  CDriver::info = {driver->name, driver->version, driver->description, driver->kind,
                   driver->capabilities};
  return weir::sdk::detail::Trampolines<CDriver>::entry(host_abi_version, host, plugin, error);
}
