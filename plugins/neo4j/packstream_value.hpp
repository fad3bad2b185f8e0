// The PackStream value model: what Bolt messages carry. Structures stay
// generic here (a tag byte and fields); graph and temporal meaning is given
// to them by json_mapping, so the codec never needs to know Bolt's types.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace weir::neo4j {

struct Value;

// Bytes are kept apart from strings so they round-trip with their own marker.
struct Bytes {
  std::string data;
  bool operator==(const Bytes&) const = default;
};

using List = std::vector<Value>;

// Maps keep the order they were written in (Bolt metadata and JSON results
// read better that way); lookups are linear, which suits their small size.
using Map = std::vector<std::pair<std::string, Value>>;

struct Structure {
  std::uint8_t tag = 0;
  std::vector<Value> fields;
  bool operator==(const Structure&) const = default;
};

struct Value {
  using Variant = std::variant<std::nullptr_t, bool, std::int64_t, double, std::string, Bytes, List,
                               Map, Structure>;
  Variant v;

  Value() : v(nullptr) {}
  Value(std::nullptr_t) : v(nullptr) {}
  Value(bool b) : v(b) {}
  Value(int i) : v(std::int64_t{i}) {}
  Value(std::int64_t i) : v(i) {}
  Value(double d) : v(d) {}
  Value(const char* s) : v(std::string(s)) {}
  Value(std::string s) : v(std::move(s)) {}
  Value(Bytes b) : v(std::move(b)) {}
  Value(List l) : v(std::move(l)) {}
  Value(Map m) : v(std::move(m)) {}
  Value(Structure s) : v(std::move(s)) {}

  template <class T>
  bool is() const noexcept {
    return std::holds_alternative<T>(v);
  }
  template <class T>
  const T* get_if() const noexcept {
    return std::get_if<T>(&v);
  }
  bool operator==(const Value&) const = default;
};

// The member named `key`, or nullptr.
inline const Value* find(const Map& map, std::string_view key) noexcept {
  for (const auto& [k, v] : map) {
    if (k == key) return &v;
  }
  return nullptr;
}

}  // namespace weir::neo4j
