#include "json_number_range.hpp"

#include <boost/json/basic_parser_impl.hpp>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <vector>

namespace weir {

namespace {

// A basic_parser handler that keeps the path of the value being read and
// refuses number literals that do not fit: integers beyond an int64 (which
// arrive as on_double, or as on_uint64 above INT64_MAX) and doubles beyond a
// double (which parse as infinity, and Boost.JSON writes infinity as
// `Infinity`, which is not JSON). Builds nothing.
class NumberRangeCheck {
 public:
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);

  // The literal refused, if any.
  const std::optional<OutOfRangeNumber>& refused() const noexcept { return refused_; }

  bool on_document_begin(boost::system::error_code&) { return true; }
  bool on_document_end(boost::system::error_code&) { return true; }
  bool on_object_begin(boost::system::error_code&) { return open(false); }
  bool on_object_end(std::size_t, boost::system::error_code&) { return close(); }
  bool on_array_begin(boost::system::error_code&) { return open(true); }
  bool on_array_end(std::size_t, boost::system::error_code&) { return close(); }
  bool on_key_part(boost::json::string_view s, std::size_t, boost::system::error_code&) {
    key_.append(s.data(), s.size());
    return true;
  }
  bool on_key(boost::json::string_view s, std::size_t, boost::system::error_code&) {
    stack_.back().key = key_ + std::string(s);
    key_.clear();
    return true;
  }
  bool on_string_part(boost::json::string_view, std::size_t, boost::system::error_code&) {
    return true;
  }
  bool on_string(boost::json::string_view, std::size_t, boost::system::error_code&) {
    return scalar();
  }
  bool on_number_part(boost::json::string_view s, boost::system::error_code&) {
    number_.append(s.data(), s.size());
    return true;
  }
  bool on_int64(std::int64_t, boost::json::string_view, boost::system::error_code&) {
    number_.clear();
    return scalar();
  }
  bool on_uint64(std::uint64_t u, boost::json::string_view s, boost::system::error_code& ec) {
    return u > static_cast<std::uint64_t>(INT64_MAX) ? refuse(s, kInt64, ec)
                                                     : (number_.clear(), scalar());
  }
  bool on_double(double d, boost::json::string_view s, boost::system::error_code& ec) {
    const std::string literal = number_ + std::string(s);
    // Only a fraction or an exponent makes a double; a bare integer got here by overflowing.
    if (literal.find_first_of(".eE") == std::string::npos) return refuse(s, kInt64, ec);
    // Read as sdk::parse_json reads it: exactly, or Boost's value when out of range.
    std::from_chars(literal.data(), literal.data() + literal.size(), d);
    if (!std::isfinite(d)) return refuse(s, kDouble, ec);
    number_.clear();
    return scalar();
  }
  bool on_bool(bool, boost::system::error_code&) { return scalar(); }
  bool on_null(boost::system::error_code&) { return scalar(); }
  bool on_comment_part(boost::json::string_view, boost::system::error_code&) { return true; }
  bool on_comment(boost::json::string_view, boost::system::error_code&) { return true; }

 private:
  struct Frame {
    bool array;
    std::size_t next_index = 0;  // arrays: the index the next element gets
    std::string key;             // objects: the key of the member being read
  };

  // A value starts: in an array, it takes the next index.
  bool scalar() {
    if (!stack_.empty() && stack_.back().array) ++stack_.back().next_index;
    return true;
  }
  bool open(bool array) {
    scalar();
    stack_.push_back({array, 0, {}});
    return true;
  }
  bool close() {
    stack_.pop_back();
    return true;
  }
  struct Range {
    const char* what;
    const char* range;
  };
  static constexpr Range kInt64{
      "integer", "the signed 64-bit range (-9223372036854775808 to 9223372036854775807)"};
  static constexpr Range kDouble{"number",
                                 "the range of a 64-bit double (about -1.8e308 to 1.8e308)"};

  bool refuse(boost::json::string_view s, const Range& beyond, boost::system::error_code& ec) {
    scalar();
    OutOfRangeNumber refused;
    refused.what = std::string("the ") + beyond.what + " " + number_ + std::string(s) +
                   " is outside " + beyond.range;
    for (const auto& frame : stack_) {
      if (frame.array)
        refused.path += "[" + std::to_string(frame.next_index - 1) + "]";
      else
        refused.path += (refused.path.empty() ? "" : ".") + frame.key;
    }
    refused_ = std::move(refused);
    ec = boost::json::error::exception;  // stops the parser; the caller reports the refusal
    return false;
  }

  std::vector<Frame> stack_;
  std::string key_;     // a key arriving in parts
  std::string number_;  // a number arriving in parts
  std::optional<OutOfRangeNumber> refused_;
};

// An integer literal beyond the int64 range parses as a uint64 above INT64_MAX or as a
// double of at least 2^63 in magnitude, a double beyond a double's range as infinity. Only
// then is the text read again to tell such a literal from a genuine double like 1e19:
// ordinary requests are parsed once.
bool may_hold_out_of_range_number(const boost::json::value& value) {
  switch (value.kind()) {
    case boost::json::kind::uint64:
      return value.get_uint64() > static_cast<std::uint64_t>(INT64_MAX);
    case boost::json::kind::double_:
      return std::fabs(value.get_double()) >= 9223372036854775808.0;
    case boost::json::kind::array:
      for (const auto& element : value.get_array())
        if (may_hold_out_of_range_number(element)) return true;
      return false;
    case boost::json::kind::object:
      for (const auto& member : value.get_object())
        if (may_hold_out_of_range_number(member.value())) return true;
      return false;
    default:
      return false;
  }
}

}  // namespace

std::optional<OutOfRangeNumber> find_out_of_range_number(std::string_view text,
                                                         const boost::json::value& parsed) {
  if (!may_hold_out_of_range_number(parsed)) return std::nullopt;
  boost::json::basic_parser<NumberRangeCheck> check(boost::json::parse_options{});
  boost::system::error_code ec;
  check.write_some(false, text.data(), text.size(), ec);
  return check.handler().refused();
}

}  // namespace weir
