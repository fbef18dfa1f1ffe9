// cache.h: TTL-bounded caches for DNS answers and for values parsed from them.
//
// TtlCache is a bounded LRU map whose entries expire with their TTL on an
// injected Clock; keys compare case-insensitively (DNS names). CachingResolver
// wraps any Resolver and keeps answers and negative answers (NXDOMAIN, NODATA)
// until their TTL; temporary failures are never cached. ParsedCache keeps what
// a caller parsed from an answer, parse failures included (a DKIM key record,
// an SPF record), so a hot record is decoded once per TTL, not once per use.
//
//   CachingResolver cached(inner, clock, 10000);
//   ParsedCache<Result<Key>> keys(clock, 1000);
//   auto key = keys.get_or_parse(cached, "s._domainkey.example.com",
//                                RecordType::kTxt, parse_key_answer);
#pragma once

#include <algorithm>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "core/clock.h"
#include "core/guarded.h"
#include "core/strings.h"
#include "dns/resolver.h"

namespace authguard::dns {

// TTLs are clamped to this, so a hostile or wrong record can't pin an entry.
inline constexpr std::uint32_t kMaxCacheTtl = 86400;

template <class V>
class TtlCache {
 public:
  TtlCache(const Clock& clock, std::size_t capacity) : clock_(clock), capacity_(capacity) {}

  [[nodiscard]] std::optional<V> get(std::string_view key) {
    auto s = state_.lock();
    auto it = s->index.find(to_lower(key));
    if (it == s->index.end()) return std::nullopt;
    if (clock_.now() >= it->second->expires) {
      s->order.erase(it->second);
      s->index.erase(it);
      return std::nullopt;
    }
    s->order.splice(s->order.begin(), s->order, it->second);
    return it->second->value;
  }

  void put(std::string_view key, V value, std::uint32_t ttl) {
    if (capacity_ == 0 || ttl == 0) return;
    std::string k = to_lower(key);
    auto s = state_.lock();
    if (auto it = s->index.find(k); it != s->index.end()) {
      s->order.erase(it->second);
      s->index.erase(it);
    }
    UnixTime expires = clock_.now() + std::min(ttl, kMaxCacheTtl);
    s->order.push_front(Entry{k, std::move(value), expires});
    s->index.emplace(std::move(k), s->order.begin());
    while (s->index.size() > capacity_) {
      s->index.erase(s->order.back().key);
      s->order.pop_back();
    }
  }

  [[nodiscard]] std::size_t size() { return state_.lock()->index.size(); }

 private:
  struct Entry {
    std::string key;
    V value;
    UnixTime expires;
  };
  struct State {
    std::list<Entry> order;  // most recently used first
    std::unordered_map<std::string, typename std::list<Entry>::iterator> index;
  };
  const Clock& clock_;
  std::size_t capacity_;
  Guarded<State> state_;
};

[[nodiscard]] std::string cache_key(std::string_view name, RecordType type);

class CachingResolver final : public Resolver {
 public:
  CachingResolver(Resolver& inner, const Clock& clock, std::size_t capacity)
      : inner_(inner), cache_(clock, capacity) {}

  [[nodiscard]] DnsResult<RRset> query(std::string_view name, RecordType type) override;
  void query_async(std::string_view name, RecordType type, Callback callback) override;
  std::size_t poll() override { return inner_.poll(); }
  void wait_all() override { inner_.wait_all(); }

  [[nodiscard]] std::size_t size() { return cache_.size(); }

 private:
  void remember(const std::string& key, const DnsResult<RRset>& result);
  Resolver& inner_;
  TtlCache<std::shared_ptr<const DnsResult<RRset>>> cache_;
};

template <class T>
class ParsedCache {
 public:

  ParsedCache(const Clock& clock, std::size_t capacity) : cache_(clock, capacity) {}

  // Returns the cached parse of (name, type), or queries, parses and keeps
  // the result for the answer's TTL. Temporary DNS failures are parsed but
  // not kept, so the next call asks again.
  template <class ParseFn>
  [[nodiscard]] std::shared_ptr<const T> get_or_parse(Resolver& resolver, std::string_view name,
                                                      RecordType type, ParseFn&& parse) {
    std::string key = cache_key(name, type);
    if (auto hit = cache_.get(key)) return *hit;
    DnsResult<RRset> answer = resolver.query(name, type);
    auto value = std::make_shared<const T>(parse(answer));
    std::uint32_t ttl = answer ? answer->ttl : (answer.error().temporary() ? 0 : answer.error().ttl);
    cache_.put(key, value, ttl);
    return value;
  }

  [[nodiscard]] std::size_t size() { return cache_.size(); }

 private:
  TtlCache<std::shared_ptr<const T>> cache_;
};

}  // namespace authguard::dns
