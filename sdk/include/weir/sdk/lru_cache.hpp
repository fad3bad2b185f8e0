// weir::sdk::LruCache — a bounded map that pushes out its least recently used
// entry to make room, for per-connection caches such as prepared statements.
// The entry pushed out is handed back, so the caller can release what it
// holds on the server (DEALLOCATE) or in the library (sqlite3_finalize).
//
// Not thread-safe: one connection, one thread at a time, as connections are used.
#pragma once

#include <cstddef>
#include <functional>
#include <list>
#include <optional>
#include <unordered_map>
#include <utility>

namespace weir::sdk {

template <class Key, class Value, class Hash = std::hash<Key>>
class LruCache {
 public:
  using Entry = std::pair<Key, Value>;

  // A cache of `capacity` 0 holds nothing: insert() hands each entry straight back.
  explicit LruCache(std::size_t capacity) : capacity_(capacity) {}

  std::size_t capacity() const noexcept { return capacity_; }
  std::size_t size() const noexcept { return index_.size(); }

  // The value under `key`, which becomes the most recently used; nullptr when absent.
  Value* find(const Key& key) {
    const auto at = index_.find(key);
    if (at == index_.end()) return nullptr;
    entries_.splice(entries_.begin(), entries_, at->second);
    return &at->second->second;
  }

  // Adds `key` (which must be absent) as the most recently used entry; returns
  // the least recently used one when the cache was full.
  std::optional<Entry> insert(Key key, Value value) {
    if (capacity_ == 0) return Entry(std::move(key), std::move(value));
    entries_.emplace_front(std::move(key), std::move(value));
    index_.emplace(entries_.front().first, entries_.begin());
    if (index_.size() <= capacity_) return std::nullopt;
    index_.erase(entries_.back().first);
    std::optional<Entry> pushed_out(std::move(entries_.back()));
    entries_.pop_back();
    return pushed_out;
  }

  // Takes the entry under `key` out; nullopt when absent.
  std::optional<Value> erase(const Key& key) {
    const auto at = index_.find(key);
    if (at == index_.end()) return std::nullopt;
    std::optional<Value> value(std::move(at->second->second));
    entries_.erase(at->second);
    index_.erase(at);
    return value;
  }

  void clear() noexcept {
    index_.clear();
    entries_.clear();
  }

 private:
  using Entries = std::list<Entry>;

  std::size_t capacity_;
  Entries entries_;  // most recently used first
  std::unordered_map<Key, typename Entries::iterator, Hash> index_;
};

}  // namespace weir::sdk
