// A doubly linked list threaded through the elements' own `prev`/`next`
// members: the pool tracks leases and waiters without allocating.
#pragma once

#include <cstddef>

namespace weir::sdk::pool {

template <class T>
class IntrusiveList {
 public:
  bool empty() const noexcept { return head_ == nullptr; }
  std::size_t size() const noexcept { return size_; }
  T* front() const noexcept { return head_; }

  void push_back(T* item) noexcept {
    item->prev = tail_;
    item->next = nullptr;
    (tail_ != nullptr ? tail_->next : head_) = item;
    tail_ = item;
    ++size_;
  }
  void remove(T* item) noexcept {
    (item->prev != nullptr ? item->prev->next : head_) = item->next;
    (item->next != nullptr ? item->next->prev : tail_) = item->prev;
    item->prev = item->next = nullptr;
    --size_;
  }
  T* pop_front() noexcept {
    T* item = head_;
    if (item != nullptr) remove(item);
    return item;
  }

  template <class Fn>
  void for_each(Fn&& fn) const {
    for (T* item = head_; item != nullptr; item = item->next) fn(*item);
  }

 private:
  T* head_ = nullptr;
  T* tail_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace weir::sdk::pool
