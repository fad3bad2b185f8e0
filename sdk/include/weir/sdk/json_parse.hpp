// weir::sdk::parse_json — boost::json::parse, with every double read exactly.
// Boost.JSON 1.81 reads about one double literal in five one unit in the last
// place off (19.765820030757858 as 19.765820030757855), so a parameter would
// reach the database already rounded; here each double is read again from
// its literal with std::from_chars, which rounds correctly. Used by the host
// for request bodies and by the SDK glue for the request a plugin receives.
#pragma once

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/value.hpp>
#include <boost/json/value_stack.hpp>

#include <charconv>
#include <string>
#include <string_view>

namespace weir::sdk {

namespace detail {

// boost::json::parser's own handler, except for on_double.
class ExactDoubles {
 public:
  static constexpr std::size_t max_object_size = boost::json::object::max_size();
  static constexpr std::size_t max_array_size = boost::json::array::max_size();
  static constexpr std::size_t max_key_size = boost::json::string::max_size();
  static constexpr std::size_t max_string_size = boost::json::string::max_size();

  ExactDoubles() { stack_.reset(); }
  boost::json::value release() { return stack_.release(); }

  using ec_t = boost::system::error_code;
  using sv_t = boost::json::string_view;
  bool on_document_begin(ec_t&) { return true; }
  bool on_document_end(ec_t&) { return true; }
  bool on_object_begin(ec_t&) { return true; }
  bool on_object_end(std::size_t n, ec_t&) { return stack_.push_object(n), true; }
  bool on_array_begin(ec_t&) { return true; }
  bool on_array_end(std::size_t n, ec_t&) { return stack_.push_array(n), true; }
  bool on_key_part(sv_t s, std::size_t, ec_t&) { return stack_.push_chars(s), true; }
  bool on_key(sv_t s, std::size_t, ec_t&) { return stack_.push_key(s), true; }
  bool on_string_part(sv_t s, std::size_t, ec_t&) { return stack_.push_chars(s), true; }
  bool on_string(sv_t s, std::size_t, ec_t&) { return stack_.push_string(s), true; }
  bool on_number_part(sv_t s, ec_t&) { return number_.append(s.data(), s.size()), true; }
  bool on_int64(std::int64_t i, sv_t, ec_t&) { return number_.clear(), stack_.push_int64(i), true; }
  bool on_uint64(std::uint64_t u, sv_t, ec_t&) {
    return number_.clear(), stack_.push_uint64(u), true;
  }
  bool on_double(double d, sv_t s, ec_t&) {
    number_.append(s.data(), s.size());
    // from_chars reads JSON's number grammar; out of range keeps Boost's ±inf or 0.
    std::from_chars(number_.data(), number_.data() + number_.size(), d);
    number_.clear();
    return stack_.push_double(d), true;
  }
  bool on_bool(bool b, ec_t&) { return stack_.push_bool(b), true; }
  bool on_null(ec_t&) { return stack_.push_null(), true; }
  bool on_comment_part(sv_t, ec_t&) { return true; }
  bool on_comment(sv_t, ec_t&) { return true; }

 private:
  boost::json::value_stack stack_;
  std::string number_;  // a double's literal, which may arrive in parts
};

}  // namespace detail

inline boost::json::value parse_json(std::string_view text, boost::system::error_code& ec) {
  boost::json::basic_parser<detail::ExactDoubles> parser(boost::json::parse_options{});
  const std::size_t read = parser.write_some(false, text.data(), text.size(), ec);
  if (ec) return nullptr;
  if (read < text.size()) {
    ec = boost::json::error::extra_data;
    return nullptr;
  }
  return parser.handler().release();
}

// Throws boost::system::system_error, as boost::json::parse does.
inline boost::json::value parse_json(std::string_view text) {
  boost::system::error_code ec;
  auto value = parse_json(text, ec);
  if (ec) throw boost::system::system_error(ec);
  return value;
}

}  // namespace weir::sdk
