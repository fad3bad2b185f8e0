#include "packstream.hpp"

#include <weir/sdk/error.hpp>

#include <bit>
#include <cstdio>
#include <cstring>
#include <limits>

namespace weir::neo4j::packstream {
namespace {

[[noreturn]] void malformed(const std::string& why) {
  throw sdk::Error(WEIR_E_BROKEN, "malformed PackStream from the peer: " + why, true);
}

template <class T>
void put_be(std::string& out, T value) {
  using U = std::make_unsigned_t<T>;
  auto u = static_cast<U>(value);
  for (int shift = (sizeof(U) - 1) * 8; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((u >> shift) & 0xFF));
  }
}

// Writes the marker for a sized collection: tiny form, then 8/16/32-bit sizes.
void put_size(std::string& out, std::size_t n, std::uint8_t tiny, std::uint8_t m8, bool has_tiny,
              const char* what) {
  if (has_tiny && n < 16) {
    out.push_back(static_cast<char>(tiny | n));
  } else if (n <= 0xFF) {
    out.push_back(static_cast<char>(m8));
    put_be<std::uint8_t>(out, static_cast<std::uint8_t>(n));
  } else if (n <= 0xFFFF) {
    out.push_back(static_cast<char>(m8 + 1));
    put_be<std::uint16_t>(out, static_cast<std::uint16_t>(n));
  } else if (n <= 0xFFFFFFFFu) {
    out.push_back(static_cast<char>(m8 + 2));
    put_be<std::uint32_t>(out, static_cast<std::uint32_t>(n));
  } else {
    throw sdk::Error(WEIR_E_INVALID_REQUEST, std::string(what) + " too large for PackStream");
  }
}

void put_int(std::string& out, std::int64_t i) {
  if (i >= -16 && i <= 127) {
    out.push_back(static_cast<char>(static_cast<std::int8_t>(i)));
  } else if (i >= INT8_MIN && i <= INT8_MAX) {
    out.push_back(static_cast<char>(0xC8));
    put_be<std::int8_t>(out, static_cast<std::int8_t>(i));
  } else if (i >= INT16_MIN && i <= INT16_MAX) {
    out.push_back(static_cast<char>(0xC9));
    put_be<std::int16_t>(out, static_cast<std::int16_t>(i));
  } else if (i >= INT32_MIN && i <= INT32_MAX) {
    out.push_back(static_cast<char>(0xCA));
    put_be<std::int32_t>(out, static_cast<std::int32_t>(i));
  } else {
    out.push_back(static_cast<char>(0xCB));
    put_be<std::int64_t>(out, i);
  }
}

void encode_at(const Value& value, std::string& out, int depth) {
  if (depth > kMaxDepth)
    throw sdk::Error(WEIR_E_INVALID_REQUEST, "value nested too deeply for PackStream");
  struct Visitor {
    std::string& out;
    int depth;
    void operator()(std::nullptr_t) { out.push_back(static_cast<char>(0xC0)); }
    void operator()(bool b) { out.push_back(static_cast<char>(b ? 0xC3 : 0xC2)); }
    void operator()(std::int64_t i) { put_int(out, i); }
    void operator()(double d) {
      out.push_back(static_cast<char>(0xC1));
      put_be<std::uint64_t>(out, std::bit_cast<std::uint64_t>(d));
    }
    void operator()(const std::string& s) {
      put_size(out, s.size(), 0x80, 0xD0, true, "string");
      out += s;
    }
    void operator()(const Bytes& b) {
      put_size(out, b.data.size(), 0, 0xCC, false, "byte array");
      out += b.data;
    }
    void operator()(const List& l) {
      put_size(out, l.size(), 0x90, 0xD4, true, "list");
      for (const auto& item : l) encode_at(item, out, depth + 1);
    }
    void operator()(const Map& m) {
      put_size(out, m.size(), 0xA0, 0xD8, true, "map");
      for (const auto& [k, item] : m) {
        (*this)(k);
        encode_at(item, out, depth + 1);
      }
    }
    void operator()(const Structure& s) {
      if (s.fields.size() > 15)
        throw sdk::Error(WEIR_E_INTERNAL, "a PackStream structure has at most 15 fields");
      out.push_back(static_cast<char>(0xB0 | s.fields.size()));
      out.push_back(static_cast<char>(s.tag));
      for (const auto& f : s.fields) encode_at(f, out, depth + 1);
    }
  };
  std::visit(Visitor{out, depth}, value.v);
}

class Reader {
 public:
  explicit Reader(std::string_view& in) : in_(in) {}

  Value value(int depth) {
    if (depth > kMaxDepth) malformed("nesting deeper than " + std::to_string(kMaxDepth));
    const std::uint8_t m = byte();
    if (m <= 0x7F) return std::int64_t{m};
    if (m >= 0xF0) return std::int64_t{static_cast<std::int8_t>(m)};
    switch (m & 0xF0) {
      case 0x80:
        return text(m & 0x0F);
      case 0x90:
        return list(m & 0x0F, depth);
      case 0xA0:
        return map(m & 0x0F, depth);
      case 0xB0:
        return structure(m & 0x0F, depth);
      default:
        break;
    }
    switch (m) {
      case 0xC0:
        return nullptr;
      case 0xC1:
        return std::bit_cast<double>(be<std::uint64_t>());
      case 0xC2:
        return false;
      case 0xC3:
        return true;
      case 0xC8:
        return std::int64_t{be<std::int8_t>()};
      case 0xC9:
        return std::int64_t{be<std::int16_t>()};
      case 0xCA:
        return std::int64_t{be<std::int32_t>()};
      case 0xCB:
        return be<std::int64_t>();
      case 0xCC:
        return Bytes{std::string(take(be<std::uint8_t>()))};
      case 0xCD:
        return Bytes{std::string(take(be<std::uint16_t>()))};
      case 0xCE:
        return Bytes{std::string(take(be<std::uint32_t>()))};
      case 0xD0:
        return text(be<std::uint8_t>());
      case 0xD1:
        return text(be<std::uint16_t>());
      case 0xD2:
        return text(be<std::uint32_t>());
      case 0xD4:
        return list(be<std::uint8_t>(), depth);
      case 0xD5:
        return list(be<std::uint16_t>(), depth);
      case 0xD6:
        return list(be<std::uint32_t>(), depth);
      case 0xD8:
        return map(be<std::uint8_t>(), depth);
      case 0xD9:
        return map(be<std::uint16_t>(), depth);
      case 0xDA:
        return map(be<std::uint32_t>(), depth);
      default:
        break;
    }
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02X", m);
    malformed(std::string("unknown marker ") + hex);
  }

 private:
  std::uint8_t byte() { return static_cast<std::uint8_t>(take(1)[0]); }

  template <class T>
  T be() {
    const auto bytes = take(sizeof(T));
    std::make_unsigned_t<T> u = 0;
    for (char c : bytes) u = static_cast<decltype(u)>((u << 8) | static_cast<std::uint8_t>(c));
    return static_cast<T>(u);
  }

  std::string_view take(std::size_t n) {
    if (n > in_.size()) {
      malformed("needs " + std::to_string(n) + " more bytes, only " + std::to_string(in_.size()) +
                " left");
    }
    auto out = in_.substr(0, n);
    in_.remove_prefix(n);
    return out;
  }

  // Every element takes at least one byte, so a count beyond what is left
  // is refused before anything is reserved for it.
  void check_count(std::size_t n, const char* what) {
    if (n > in_.size()) {
      malformed(std::string(what) + " of " + std::to_string(n) +
                " entries needs at least that many more bytes, only " + std::to_string(in_.size()) +
                " left");
    }
  }

  Value text(std::size_t n) { return std::string(take(n)); }

  Value list(std::size_t n, int depth) {
    check_count(n, "list");
    List l;
    l.reserve(n);
    for (std::size_t i = 0; i < n; ++i) l.push_back(value(depth + 1));
    return l;
  }

  Value map(std::size_t n, int depth) {
    check_count(n, "map");
    Map m;
    m.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      Value k = value(depth + 1);
      auto* key = k.get_if<std::string>();
      if (key == nullptr) malformed("map key is not a string");
      m.emplace_back(std::move(*key), value(depth + 1));
    }
    return m;
  }

  Value structure(std::size_t n, int depth) {
    Structure s;
    s.tag = byte();
    s.fields.reserve(n);
    for (std::size_t i = 0; i < n; ++i) s.fields.push_back(value(depth + 1));
    return s;
  }

  std::string_view& in_;
};

}  // namespace

void encode(const Value& value, std::string& out) { encode_at(value, out, 0); }

Value decode_next(std::string_view& bytes) { return Reader(bytes).value(0); }

Value decode(std::string_view bytes) {
  Value v = decode_next(bytes);
  if (!bytes.empty()) malformed(std::to_string(bytes.size()) + " trailing bytes after the value");
  return v;
}

}  // namespace weir::neo4j::packstream
