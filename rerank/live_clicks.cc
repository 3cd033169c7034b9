// RerankService's live click statistics: which statistics a storefront's
// searches read, the served searches a click can name, and learning the
// clicks the events API brings (rerank/live_stats.h).
#include "rerank/rerank_service.h"
#include "scoring/tokenizer.h"

namespace rr::rerank {

std::shared_ptr<LiveStats> RerankService::liveStats(const StorefrontRuntime& sf) {
  if (!sf.config->live_click_stats) return nullptr;
  std::lock_guard lock(live_mu_);
  LiveSlot& slot = live_[sf.config->name];
  // The same model reloaded keeps what it learned; a new one starts from
  // its own statistics and the clicks newer than its log.
  if (slot.stats && slot.version == sf.model->version) return slot.stats;
  slot.stats = std::make_shared<LiveStats>(*sf.model, slot.stats.get());
  slot.version = sf.model->version;
  return slot.stats;
}

void RerankService::rememberServed(const StorefrontRuntime& sf, const std::string& request_id,
                                   std::string_view query_text) {
  if (!sf.config->live_click_stats || query_text.empty()) return;
  std::string key = sf.config->name + '\n' + request_id;
  std::lock_guard lock(served_mu_);
  // As the shopper typed it: normalized only if a click comes back.
  if (!served_.emplace(key, std::string(query_text)).second) return;
  served_order_.push_back(std::move(key));
  if (served_order_.size() > kServedRemembered) {
    served_.erase(served_order_.front());
    served_order_.pop_front();
  }
}

void RerankService::learnClick(const Runtime& rt, const ParsedEvent& ev) {
  if (ev.item_id.empty()) return;
  if (ev.kind != EventKind::kSearch && ev.kind != EventKind::kClick) return;
  const StorefrontRuntime* sf = rt.named(ev.storefront);
  if (!sf || !sf->config->live_click_stats) return;
  std::string query;
  if (!ev.query.empty()) {
    query = scoring::Tokenizer::normalize(ev.query);
  } else if (!ev.request_id.empty()) {
    std::lock_guard lock(served_mu_);
    auto it = served_.find(ev.storefront + '\n' + ev.request_id);
    if (it == served_.end()) return;  // not served here, or long ago
    query = scoring::Tokenizer::normalize(it->second);
  } else {
    return;  // a click outside search: history only, as in training
  }
  if (query.empty()) return;
  if (liveStats(*sf)->addClick(query, ev.item_id, ev.ts_ms)) {
    metrics_.countLiveClick(ev.storefront);
  }
}

}  // namespace rr::rerank
