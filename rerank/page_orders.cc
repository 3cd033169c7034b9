// The page half of RerankService: pages after the first reuse the order
// page 1 was given to the same shopper for the same search
// (`page_consistency`), kept in memory, least recently used first out. The
// search path is in rerank_service.cc.
#include <chrono>
#include <optional>
#include <string_view>
#include <unordered_map>

#include "rerank/rerank_service.h"

namespace rr::rerank {
namespace {

constexpr std::size_t kMaxCachedOrders = 10000;

}  // namespace

std::optional<RerankService::SavedOrder> RerankService::savedOrder(
    const config::StorefrontConfig& cfg, const SearchPlan& plan, const std::string& page_key) {
  if (plan.from == 0 || cfg.page_consistency.count() == 0) return std::nullopt;
  std::lock_guard lock(pages_mu_);
  const CachedOrder* cached = cachedOrder(page_key);
  if (!cached) return std::nullopt;
  return SavedOrder{cached->ids, cached->scores};
}

bool RerankService::keepsOrder(const config::StorefrontConfig& cfg, const SearchPlan& plan,
                               const std::string& page_key) {
  if (plan.from == 0 || cfg.page_consistency.count() == 0) return false;
  std::lock_guard lock(pages_mu_);
  return cachedOrder(page_key) != nullptr;
}

RerankService::Ranking RerankService::fromSavedOrder(const connectors::SearchResult& window,
                                                     const SavedOrder& saved,
                                                     Clock::time_point deadline) {
  Ranking out;
  const auto& hits = window.hits;
  const std::size_t m = hits.size();
  if (const char* stop = stopBeforeRanking(m, deadline)) {
    out.fail = stop;
    return out;
  }
  out.order.resize(m);
  std::unordered_map<std::string_view, std::size_t> at;
  for (std::size_t i = 0; i < m; ++i) at.emplace(hits[i].id, i);
  std::vector<bool> used(m, false);
  std::size_t k = 0;
  double lowest = 0;
  for (std::size_t j = 0; j < saved.ids.size(); ++j) {
    auto it = at.find(saved.ids[j]);
    if (it == at.end() || used[it->second]) continue;
    used[it->second] = true;
    out.order[k++] = {it->second, saved.scores[j]};
    lowest = saved.scores[j];
  }
  for (std::size_t i = 0; i < m; ++i) {  // new since page 1: after, in engine order
    if (!used[i]) out.order[k++] = {i, lowest - 1e-3 * static_cast<double>(k)};
  }
  out.reason = "page_cache";
  return out;
}

const RerankService::CachedOrder* RerankService::cachedOrder(const std::string& key) {
  auto it = pages_.find(key);
  if (it == pages_.end()) return nullptr;
  if (Clock::now() > it->second.expires) {
    pages_lru_.erase(it->second.lru);
    pages_.erase(it);
    return nullptr;
  }
  return &it->second;
}

void RerankService::rememberOrder(const std::string& key, std::chrono::seconds ttl,
                                  std::vector<std::string> ids, std::vector<double> scores) {
  auto it = pages_.find(key);
  if (it != pages_.end()) {
    pages_lru_.erase(it->second.lru);
    pages_.erase(it);
  }
  pages_lru_.push_front(key);
  pages_.emplace(key, CachedOrder{Clock::now() + ttl, std::move(ids), std::move(scores),
                                  pages_lru_.begin()});
  while (pages_.size() > kMaxCachedOrders) {
    pages_.erase(pages_lru_.back());
    pages_lru_.pop_back();
  }
}

}  // namespace rr::rerank
