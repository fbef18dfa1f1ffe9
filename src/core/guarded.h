// guarded.h: shared mutable state behind a lock that hands out access.
//
// There is never a naked mutex beside the data it guards: the only way to the
// value is through a locked handle.
//
//   Guarded<std::map<std::string, int>> counts;
//   counts.lock()->emplace("a", 1);
#pragma once

#include <mutex>
#include <utility>

namespace authguard {

template <class T>
class Guarded {
 public:
  class Handle {
   public:
    T* operator->() { return value_; }
    T& operator*() { return *value_; }

   private:
    friend class Guarded;
    Handle(std::mutex& m, T* v) : lock_(m), value_(v) {}
    std::unique_lock<std::mutex> lock_;
    T* value_;
  };

  Guarded() = default;
  explicit Guarded(T value) : value_(std::move(value)) {}

  [[nodiscard]] Handle lock() { return Handle(mutex_, &value_); }

 private:
  std::mutex mutex_;
  T value_;
};

}  // namespace authguard
