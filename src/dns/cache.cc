// cache.cc: the caching resolver.
#include "dns/cache.h"

namespace authguard::dns {

std::string cache_key(std::string_view name, RecordType type) {
  if (name.size() > 1 && name.back() == '.') name.remove_suffix(1);
  std::string key = to_lower(name);
  key += '/';
  key += std::to_string(static_cast<unsigned>(type));
  return key;
}

void CachingResolver::remember(const std::string& key, const DnsResult<RRset>& result) {
  std::uint32_t ttl = 0;
  if (result) {
    ttl = result->ttl;
  } else if (!result.error().temporary()) {
    ttl = result.error().ttl;
  }
  if (ttl > 0) cache_.put(key, std::make_shared<const DnsResult<RRset>>(result), ttl);
}

DnsResult<RRset> CachingResolver::query(std::string_view name, RecordType type) {
  std::string key = cache_key(name, type);
  if (auto hit = cache_.get(key)) return **hit;
  DnsResult<RRset> result = inner_.query(name, type);
  remember(key, result);
  return result;
}

void CachingResolver::query_async(std::string_view name, RecordType type, Callback callback) {
  std::string key = cache_key(name, type);
  if (auto hit = cache_.get(key)) {
    callback(**hit);
    return;
  }
  inner_.query_async(name, type,
                     [this, key = std::move(key), cb = std::move(callback)](DnsResult<RRset> r) {
                       remember(key, r);
                       cb(std::move(r));
                     });
}

}  // namespace authguard::dns
