// The C++ side of weir_sdk_json (weir/sdk_c.h): one JSON document handed to a
// C callback, and every handle and string the readers give out while the
// callback reads it. All of it lives until the callback returns.
#pragma once

#include <weir/plugin.h>
#include <weir/sdk/config_reader.hpp>

#include <boost/json.hpp>

#include <deque>
#include <filesystem>
#include <string>

namespace weir::sdk::c {
class JsonDocument;
}

// A view of one object or array in a document, with its field path.
struct weir_sdk_json {
  const boost::json::object* object = nullptr;  // exactly one of object and array is set
  const boost::json::array* array = nullptr;
  std::string path;
  weir::sdk::c::JsonDocument* document = nullptr;
};

namespace weir::sdk::c {

class JsonDocument {
 public:
  // `invalid` is the status of every reader's error: WEIR_E_INVALID_CONFIG for
  // settings, WEIR_E_INVALID_REQUEST for requests. `data_dir` anchors read_path.
  JsonDocument(const boost::json::object& root, std::string path, weir_status invalid,
               std::filesystem::path data_dir = {})
      : invalid_(invalid), data_dir_(std::move(data_dir)) {
    nodes_.push_back({&root, nullptr, std::move(path), this});
  }
  JsonDocument(const JsonDocument&) = delete;
  JsonDocument& operator=(const JsonDocument&) = delete;

  const weir_sdk_json* root() const noexcept { return &nodes_.front(); }
  weir_status invalid() const noexcept { return invalid_; }
  const std::filesystem::path& data_dir() const noexcept { return data_dir_; }

  const weir_sdk_json* add(const boost::json::object* object, const boost::json::array* array,
                           std::string path) {
    return &nodes_.emplace_back(weir_sdk_json{object, array, std::move(path), this});
  }
  // Keeps a string the readers computed (a resolved path) alive with the document.
  const char* keep(std::string text) { return strings_.emplace_back(std::move(text)).c_str(); }

 private:
  weir_status invalid_;
  std::filesystem::path data_dir_;
  std::deque<weir_sdk_json> nodes_;  // a deque: handles given out never move
  std::deque<std::string> strings_;
};

}  // namespace weir::sdk::c
