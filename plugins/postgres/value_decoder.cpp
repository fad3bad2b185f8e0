#include "value_decoder.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string>

namespace weir::postgres {
namespace {

using weir::sdk::Error;
using weir::sdk::ValueWriter;

[[noreturn]] void malformed(std::string_view what, std::string_view text) {
  throw Error(WEIR_E_INTERNAL, "cannot decode PostgreSQL " + std::string(what) + " value \"" +
                                   std::string(text.substr(0, 60)) + "\"");
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// bytea_output=hex (the default since 9.0): "\x" then two hex digits per byte.
void write_bytea(std::string_view text, ValueWriter& out) {
  if (text.size() < 2 || text[0] != '\\' || text[1] != 'x' || text.size() % 2 != 0) {
    malformed("bytea", text);
  }
  std::string bytes;
  bytes.reserve((text.size() - 2) / 2);
  for (std::size_t i = 2; i < text.size(); i += 2) {
    const int hi = hex_digit(text[i]), lo = hex_digit(text[i + 1]);
    if (hi < 0 || lo < 0) malformed("bytea", text);
    bytes += static_cast<char>(hi * 16 + lo);
  }
  out.bytes(bytes.data(), bytes.size());
}

void write_float(std::string_view text, ValueWriter& out) {
  // JSON has no NaN or infinities: those stay strings ("NaN", "Infinity", "-Infinity").
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
    out.string(text);
  } else {
    out.float64(value);
  }
}

void write_integer(std::string_view text, ValueWriter& out) {
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) malformed("integer", text);
  out.int64(value);
}

// "+05" -> "+05:00" so offsets read as ISO-8601 (PostgreSQL omits zero minutes).
std::string iso_offset(std::string_view text) {
  std::string s(text);
  const auto sign = s.find_last_of("+-");
  // A date's own dashes sit before the 'T' / time; the offset follows the last digit of seconds.
  if (sign == std::string::npos || sign < s.find(':')) return s;
  const auto offset_len = s.size() - sign;
  if (offset_len == 3) s += ":00";
  return s;
}

std::string iso_timestamp(std::string_view text) {
  std::string s(text);
  // Only "YYYY-MM-DD HH:MM..." gets a 'T': "infinity" and BC dates stay as sent.
  if (s.size() > 10 && s[10] == ' ' && s.find(" BC") == std::string::npos) s[10] = 'T';
  return s;
}

class ArrayParser {
 public:
  ArrayParser(std::string_view text, ValueKind kind, ValueWriter& out)
      : text_(text), kind_(kind), out_(out) {}

  void parse() {
    // Arrays with non-default bounds carry a "[1:2]=" prefix; the values are what matters.
    if (!text_.empty() && text_[0] == '[') {
      const auto eq = text_.find('=');
      if (eq == std::string_view::npos) malformed("array", text_);
      pos_ = eq + 1;
    }
    parse_array();
    if (pos_ != text_.size()) malformed("array", text_);
  }

 private:
  void parse_array() {
    expect('{');
    out_.begin_array();
    if (peek() == '}') {
      ++pos_;
      out_.end_array();
      return;
    }
    while (true) {
      if (peek() == '{') {
        parse_array();
      } else {
        parse_element();
      }
      const char c = next();
      if (c == '}') break;
      if (c != ',') malformed("array", text_);
    }
    out_.end_array();
  }

  void parse_element() {
    std::string value;
    if (peek() == '"') {
      ++pos_;
      while (true) {
        char c = next();
        if (c == '"') break;
        if (c == '\\') c = next();
        value += c;
      }
      write_scalar(value, kind_, out_);
      return;
    }
    const auto start = pos_;
    while (pos_ < text_.size() && text_[pos_] != ',' && text_[pos_] != '}') ++pos_;
    const auto raw = text_.substr(start, pos_ - start);
    if (raw == "NULL") {
      out_.null();
    } else {
      write_scalar(raw, kind_, out_);
    }
  }

  char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  char next() {
    if (pos_ >= text_.size()) malformed("array", text_);
    return text_[pos_++];
  }
  void expect(char c) {
    if (next() != c) malformed("array", text_);
  }

  std::string_view text_;
  ValueKind kind_;
  ValueWriter& out_;
  std::size_t pos_ = 0;
};

}  // namespace

void write_scalar(std::string_view text, ValueKind kind, ValueWriter& out) {
  switch (kind) {
    case ValueKind::kBool:
      return out.boolean(text == "t");
    case ValueKind::kInteger:
      return write_integer(text, out);
    case ValueKind::kFloat:
      return write_float(text, out);
    case ValueKind::kBytea:
      return write_bytea(text, out);
    case ValueKind::kJson:
      return out.json(text);
    case ValueKind::kTimestamp:
      return out.string(iso_timestamp(text));
    case ValueKind::kTimestampTz:
      return out.string(iso_offset(iso_timestamp(text)));
    case ValueKind::kTimeTz:
      return out.string(iso_offset(text));
    case ValueKind::kNumeric:
    case ValueKind::kDate:
    case ValueKind::kText:
      return out.string(text);
  }
}

void write_array(std::string_view text, ValueKind kind, ValueWriter& out) {
  ArrayParser(text, kind, out).parse();
}

}  // namespace weir::postgres
