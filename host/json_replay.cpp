#include "json_replay.hpp"

#include <boost/json/basic_parser_impl.hpp>

namespace weir {

namespace {

using boost::json::string_view;
using boost::system::error_code;

// A basic_parser handler forwarding each event to the writer; the first
// writer call that refuses stops the parser.
class Replay {
 public:
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);

  Replay(weir_value_writer& out, const std::function<int(std::string_view)>& number)
      : out_(out), number_(number) {}

  int writer_rc() const noexcept { return writer_rc_; }

  bool on_document_begin(error_code&) { return true; }
  bool on_document_end(error_code&) { return true; }
  bool on_object_begin(error_code& ec) { return call(ec, out_.begin_object(out_.host_data)); }
  bool on_object_end(std::size_t, error_code& ec) {
    return call(ec, out_.end_object(out_.host_data));
  }
  bool on_array_begin(error_code& ec) { return call(ec, out_.begin_array(out_.host_data)); }
  bool on_array_end(std::size_t, error_code& ec) {
    return call(ec, out_.end_array(out_.host_data));
  }
  bool on_key_part(string_view s, std::size_t, error_code&) { return part(s); }
  bool on_key(string_view s, std::size_t, error_code& ec) {
    const auto key = whole(s);
    return call(ec, out_.key(out_.host_data, key.data(), key.size()));
  }
  bool on_string_part(string_view s, std::size_t, error_code&) { return part(s); }
  bool on_string(string_view s, std::size_t, error_code& ec) {
    const auto text = whole(s);
    return call(ec, out_.string_value(out_.host_data, text.data(), text.size()));
  }
  bool on_number_part(string_view s, error_code&) { return part(s); }
  bool on_int64(std::int64_t v, string_view, error_code& ec) {
    pending_.clear();
    return call(ec, out_.int64_value(out_.host_data, v));
  }
  bool on_uint64(std::uint64_t, string_view s, error_code& ec) { return literal(s, ec); }
  bool on_double(double, string_view s, error_code& ec) { return literal(s, ec); }
  bool on_bool(bool v, error_code& ec) { return call(ec, out_.bool_value(out_.host_data, v)); }
  bool on_null(error_code& ec) { return call(ec, out_.null_value(out_.host_data)); }
  bool on_comment_part(string_view, error_code&) { return true; }
  bool on_comment(string_view, error_code&) { return true; }

 private:
  bool part(string_view s) {
    pending_.append(s.data(), s.size());
    return true;
  }
  // A key, string or number that may have arrived in parts.
  std::string_view whole(string_view last) {
    if (pending_.empty()) return {last.data(), last.size()};
    pending_.append(last.data(), last.size());
    whole_.swap(pending_);
    pending_.clear();
    return whole_;
  }
  bool literal(string_view s, error_code& ec) { return call(ec, number_(whole(s))); }
  bool call(error_code& ec, int rc) {
    if (rc == 0) return true;
    writer_rc_ = rc;
    ec = boost::json::error::exception;  // stops the parser; replay_json reports rc
    return false;
  }

  weir_value_writer& out_;
  const std::function<int(std::string_view)>& number_;
  std::string pending_;
  std::string whole_;
  int writer_rc_ = 0;
};

}  // namespace

int replay_json(std::string_view text, weir_value_writer& out,
                const std::function<int(std::string_view literal)>& number, std::string& invalid) {
  boost::json::basic_parser<Replay> parser(boost::json::parse_options{}, out, number);
  error_code ec;
  const std::size_t read = parser.write_some(false, text.data(), text.size(), ec);
  if (parser.handler().writer_rc() != 0) return parser.handler().writer_rc();
  if (ec)
    invalid = ec.message();
  else if (read < text.size())
    invalid = "extra data after the JSON value";
  return invalid.empty() ? 0 : -1;
}

}  // namespace weir
