#include "json_result_writer.hpp"

#include "json_replay.hpp"

#include <weir/sdk/base64.hpp>
#include <weir/sdk/json_text.hpp>

#include <charconv>

namespace weir {

namespace {

JsonResultWriter& self(void* p) { return *static_cast<JsonResultWriter*>(p); }

// Length of the valid UTF-8 sequence at p (1..4), or 0 when invalid.
std::size_t utf8_sequence(const unsigned char* p, std::size_t left) {
  if (p[0] < 0x80) return 1;
  std::size_t n = 0;
  std::uint32_t cp = 0;
  if ((p[0] & 0xE0) == 0xC0)
    n = 2, cp = p[0] & 0x1F;
  else if ((p[0] & 0xF0) == 0xE0)
    n = 3, cp = p[0] & 0x0F;
  else if ((p[0] & 0xF8) == 0xF0)
    n = 4, cp = p[0] & 0x07;
  else
    return 0;
  if (n > left) return 0;
  for (std::size_t i = 1; i < n; ++i) {
    if ((p[i] & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (p[i] & 0x3F);
  }
  const bool overlong = (n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000);
  if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

}  // namespace

JsonResultWriter::JsonResultWriter(std::size_t max_bytes, Int64Form int64_form)
    : max_bytes_(max_bytes), int64_form_(int64_form) {
  writer_.struct_size = sizeof(weir_value_writer);
  writer_.host_data = this;
  writer_.null_value = [](void* s) { return self(s).scalar("null"); };
  writer_.bool_value = [](void* s, int v) { return self(s).scalar(v ? "true" : "false"); };
  writer_.int64_value = [](void* s, std::int64_t v) { return self(s).int64(v); };
  writer_.double_value = [](void* s, double v) {
    std::string text;
    sdk::append_json_double(text, v);
    return self(s).scalar(text);
  };
  writer_.string_value = [](void* s, const char* p, std::size_t n) {
    auto& w = self(s);
    if (int rc = w.fits(n + 2)) return rc;  // escaping only lengthens it
    if (int rc = w.before_value()) return rc;
    w.append_string(p, n);
    return w.check_size();
  };
  writer_.bytes_value = [](void* s, const void* p, std::size_t n) {
    constexpr std::string_view kOpen = "{\"$base64\":\"", kClose = "\"}";
    auto& w = self(s);
    if (int rc = w.fits(kOpen.size() + (n + 2) / 3 * 4 + kClose.size())) return rc;
    return w.scalar(std::string(kOpen) + sdk::base64_encode(p, n) + std::string(kClose));
  };
  writer_.json_value = [](void* s, const char* p, std::size_t n) {
    auto& w = self(s);
    std::string invalid;
    const int rc = replay_json(
        std::string_view(p, n), w.writer_,
        [&w](std::string_view literal) { return w.number_literal(literal); }, invalid);
    if (rc == -1) return w.fail("the plugin passed invalid JSON text as a value: " + invalid);
    return rc;
  };
  writer_.begin_array = [](void* s) {
    auto& w = self(s);
    if (int rc = w.before_value()) return rc;
    w.out_ += '[';
    w.stack_.push_back(Frame::kArray);
    w.first_.push_back(true);
    return w.check_size();
  };
  writer_.begin_object = [](void* s) {
    auto& w = self(s);
    if (int rc = w.before_value()) return rc;
    w.out_ += '{';
    w.stack_.push_back(Frame::kObject);
    w.first_.push_back(true);
    return w.check_size();
  };
  writer_.end_array = [](void* s) {
    auto& w = self(s);
    if (w.failed_) return 1;
    if (w.stack_.empty() || w.stack_.back() != Frame::kArray)
      return w.fail("end_array without a matching begin_array");
    w.out_ += ']';
    w.stack_.pop_back();
    w.first_.pop_back();
    return 0;
  };
  writer_.end_object = [](void* s) {
    auto& w = self(s);
    if (w.failed_) return 1;
    if (w.stack_.empty() || w.stack_.back() != Frame::kObject || w.expecting_value_) {
      return w.fail("end_object without a matching begin_object, or after a key with no value");
    }
    w.out_ += '}';
    w.stack_.pop_back();
    w.first_.pop_back();
    return 0;
  };
  writer_.key = [](void* s, const char* p, std::size_t n) {
    auto& w = self(s);
    if (w.failed_) return 1;
    if (w.stack_.empty() || w.stack_.back() != Frame::kObject || w.expecting_value_) {
      return w.fail("key() outside an object or twice in a row");
    }
    if (int rc = w.fits(n + 3)) return rc;
    if (!w.first_.back()) w.out_ += ',';
    w.first_.back() = false;
    w.append_string(p, n);
    w.out_ += ':';
    w.expecting_value_ = true;
    return w.check_size();
  };
}

void JsonResultWriter::restart(std::size_t max_bytes) noexcept {
  max_bytes_ = max_bytes;
  out_.clear();
  stack_.clear();
  first_.clear();
  expecting_value_ = false;
  values_at_top_ = 0;
  failed_ = false;
  too_large_ = false;
  problem_.clear();
}

int JsonResultWriter::scalar(std::string_view encoded) {
  if (int rc = before_value()) return rc;
  out_ += encoded;
  return check_size();
}

int JsonResultWriter::int64(std::int64_t v) {
  constexpr std::int64_t kLargestExactDouble = (std::int64_t{1} << 53) - 1;
  const bool as_string = int64_form_ == Int64Form::kStringBeyondDouble &&
                         (v > kLargestExactDouble || v < -kLargestExactDouble);
  char buffer[24];
  char* text = buffer + 1;
  char* end = std::to_chars(text, buffer + sizeof buffer - 1, v).ptr;
  if (as_string) *--text = '"', *end++ = '"';
  return scalar(std::string_view(text, static_cast<std::size_t>(end - text)));
}

int JsonResultWriter::number_literal(std::string_view literal) {
  // Beyond int64 it is certainly beyond what a double holds exactly.
  const bool integer = literal.find_first_of(".eE") == std::string_view::npos;
  if (integer && int64_form_ == Int64Form::kStringBeyondDouble)
    return scalar("\"" + std::string(literal) + "\"");
  return scalar(literal);
}

int JsonResultWriter::before_value() {
  if (failed_) return 1;
  if (stack_.empty()) {
    if (values_at_top_ > 0) return fail("more than one top-level value");
    ++values_at_top_;
    return 0;
  }
  if (stack_.back() == Frame::kObject) {
    if (!expecting_value_) return fail("a value inside an object without a key");
    expecting_value_ = false;
    return 0;
  }
  if (!first_.back()) out_ += ',';
  first_.back() = false;
  return 0;
}

int JsonResultWriter::fail(std::string why) {
  if (!failed_) problem_ = std::move(why);
  failed_ = true;
  return 1;
}

int JsonResultWriter::check_size() { return fits(0); }

int JsonResultWriter::fits(std::size_t encoded_size) {
  if (failed_) return 1;
  if (out_.size() <= max_bytes_ && encoded_size <= max_bytes_ - out_.size()) return 0;
  too_large_ = true;
  return fail("the result is larger than limits.max_result_bytes (" + std::to_string(max_bytes_) +
              ")");
}

void JsonResultWriter::append_string(const char* data, std::size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  const auto* p = reinterpret_cast<const unsigned char*>(data);
  out_ += '"';
  for (std::size_t i = 0; i < n;) {
    // Most text needs no escaping: plain runs are copied whole.
    std::size_t plain = i;
    while (plain < n && p[plain] >= 0x20 && p[plain] < 0x80 && p[plain] != '"' && p[plain] != '\\')
      ++plain;
    out_.append(data + i, plain - i);
    if (plain == n) break;
    i = plain;
    const unsigned char c = p[i];
    if (c == '"' || c == '\\') {
      out_ += '\\';
      out_ += static_cast<char>(c);
      ++i;
    } else if (c < 0x20) {
      out_ += "\\u00";
      out_ += kHex[c >> 4];
      out_ += kHex[c & 15];
      ++i;
    } else if (std::size_t len = utf8_sequence(p + i, n - i); len > 0) {
      out_.append(data + i, len);
      i += len;
    } else {
      out_ += "\xEF\xBF\xBD";  // U+FFFD: keep the output valid JSON
      ++i;
    }
  }
  out_ += '"';
}

}  // namespace weir
