// weir::sdk::ConfigReader — reads one JSON config object with errors that
// name the full field path and say what would be valid, e.g.
//   databases.main.pool.max_size: must be an integer from 1 to 10000, got -3
// Unknown keys are refused too, since a typo silently ignored is a setting
// silently not applied.
#pragma once

#include <weir/sdk/error.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace weir::sdk {

class ConfigReader {
 public:
  ConfigReader(const boost::json::object& object, std::string path)
      : object_(&object), path_(std::move(path)) {}

  const std::string& path() const noexcept { return path_; }
  std::string field(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }
  bool has(std::string_view key) const { return object_->contains(key); }
  const boost::json::object& object() const noexcept { return *object_; }

  [[noreturn]] void fail(std::string_view key, std::string_view what) const {
    throw Error(WEIR_E_INVALID_CONFIG, field(key) + ": " + std::string(what));
  }

  std::optional<std::string> optional_string(std::string_view key) const {
    const auto* v = object_->if_contains(key);
    if (v == nullptr || v->is_null()) return std::nullopt;
    if (!v->is_string()) fail(key, "must be a string, got " + describe(*v));
    return std::string(v->get_string());
  }
  std::string string(std::string_view key, std::string_view fallback) const {
    return optional_string(key).value_or(std::string(fallback));
  }
  std::string required_string(std::string_view key) const {
    auto s = optional_string(key);
    if (!s || s->empty()) fail(key, "is required (a non-empty string)");
    return *s;
  }

  std::int64_t integer(std::string_view key, std::int64_t fallback, std::int64_t min,
                       std::int64_t max) const {
    const auto* v = object_->if_contains(key);
    if (v == nullptr || v->is_null()) return fallback;
    const auto range =
        "must be an integer from " + std::to_string(min) + " to " + std::to_string(max);
    std::int64_t n = 0;
    if (v->is_int64()) {
      n = v->get_int64();
    } else if (v->is_uint64() && v->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
      n = static_cast<std::int64_t>(v->get_uint64());
    } else {
      fail(key, range + ", got " + describe(*v));
    }
    if (n < min || n > max) fail(key, range + ", got " + std::to_string(n));
    return n;
  }

  std::chrono::milliseconds millis(std::string_view key, std::chrono::milliseconds fallback,
                                   std::int64_t min_ms, std::int64_t max_ms) const {
    return std::chrono::milliseconds(integer(key, fallback.count(), min_ms, max_ms));
  }

  bool boolean(std::string_view key, bool fallback) const {
    const auto* v = object_->if_contains(key);
    if (v == nullptr || v->is_null()) return fallback;
    if (!v->is_bool()) fail(key, "must be true or false, got " + describe(*v));
    return v->get_bool();
  }

  // A nested object; an absent key reads as an empty object.
  ConfigReader child(std::string_view key) const {
    const auto* v = object_->if_contains(key);
    if (v == nullptr || v->is_null()) return ConfigReader(empty(), field(key));
    if (!v->is_object()) fail(key, "must be an object, got " + describe(*v));
    return ConfigReader(v->get_object(), field(key));
  }

  // Refuses keys outside `allowed`, listing what is allowed.
  void allow_only(std::initializer_list<std::string_view> allowed) const {
    allow_only(std::span<const std::string_view>(allowed.begin(), allowed.size()));
  }
  void allow_only(std::span<const std::string_view> allowed) const {
    for (const auto& member : *object_) {
      if (std::find(allowed.begin(), allowed.end(), member.key()) == allowed.end())
        refuse_unknown(member.key(), allowed);
    }
  }

  // Refuses `key` as unknown, listing `known` and suggesting the closest one
  // when it looks like a typo ("max_sise": did you mean "max_size"?).
  [[noreturn]] void refuse_unknown(std::string_view key,
                                   std::span<const std::string_view> known) const {
    std::string list;
    std::string_view closest;
    std::size_t best = 3;  // at most two edits away
    for (auto k : known) {
      list += (list.empty() ? "" : ", ") + std::string(k);
      if (const auto d = edit_distance(key, k); d < best) best = d, closest = k;
    }
    fail(key, "is not a known setting (known: " + list + ")" +
                  (closest.empty() ? "" : "; did you mean \"" + std::string(closest) + "\"?"));
  }

  static std::string describe(const boost::json::value& v) {
    std::string text = boost::json::serialize(v);
    if (text.size() > 40) text = text.substr(0, 37) + "...";
    return text;
  }

 private:
  // Edits (insert, delete, replace, swap two neighbours) from `a` to `b`.
  static std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
    for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
    for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
      for (std::size_t j = 1; j <= b.size(); ++j) {
        d[i][j] = std::min(
            {d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
        if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
          d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
    return d[a.size()][b.size()];
  }
  static const boost::json::object& empty() {
    static const boost::json::object e;
    return e;
  }
  const boost::json::object* object_;
  std::string path_;
};

}  // namespace weir::sdk
