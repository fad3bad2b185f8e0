// Reads one gateway request object for an operation, with errors
// (WEIR_E_INVALID_REQUEST) that name the operation and the field, e.g.
//   add: "ids" must be a non-empty array of strings
// Unknown fields are refused, since a misspelt filter silently ignored would
// read or delete more than the caller meant.
#pragma once

#include <weir/sdk/error.hpp>

#include <boost/json.hpp>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace weir::chroma {

class RequestReader {
 public:
  RequestReader(const boost::json::object& request, std::string_view op)
      : request_(request), op_(op) {}

  const std::string& op() const noexcept { return op_; }
  const boost::json::object& object() const noexcept { return request_; }

  [[noreturn]] void fail(std::string_view field, std::string_view what) const;
  void allow_only(std::initializer_list<std::string_view> fields) const;

  // The member, or nullptr when it is absent or null.
  const boost::json::value* optional(std::string_view field) const;
  std::string required_string(std::string_view field) const;
  const boost::json::array& required_array(std::string_view field) const;
  const boost::json::array* optional_array(std::string_view field) const;
  const boost::json::object* optional_object(std::string_view field) const;
  std::optional<std::int64_t> optional_integer(std::string_view field, std::int64_t min) const;
  bool boolean(std::string_view field, bool fallback) const;

 private:
  const boost::json::object& request_;
  std::string op_;
};

}  // namespace weir::chroma
