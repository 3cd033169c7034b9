// RerankService's live click statistics: which statistics a storefront's
// searches read, the served searches a click can name, learning the clicks
// the events API brings (rerank/live_stats.h), and relearning them from the
// activity log on start.
#include <iostream>

#include "rerank/activity_log.h"
#include "rerank/rerank_service.h"
#include "scoring/data/event.h"
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
  if (addLiveClick(*liveStats(*sf), ev.storefront, ev.item_id, ev.query, ev.request_id,
                   ev.ts_ms)) {
    metrics_.countLiveClick(ev.storefront);
  }
}

bool RerankService::addLiveClick(LiveStats& live, const std::string& storefront,
                                 const std::string& item, const std::string& query,
                                 const std::string& request_id, int64_t ts_ms) {
  const std::string normalized = clickQuery(storefront, query, request_id);
  return !normalized.empty() && live.addClick(normalized, item, ts_ms);
}

std::string RerankService::clickQuery(const std::string& storefront, const std::string& query,
                                      const std::string& request_id) {
  if (!query.empty()) return scoring::Tokenizer::normalize(query);
  // A click naming neither a query nor a search served here (or long ago)
  // is outside search: history only, as in training.
  if (request_id.empty()) return {};
  std::lock_guard lock(served_mu_);
  auto it = served_.find(storefront + '\n' + request_id);
  return it == served_.end() ? std::string() : scoring::Tokenizer::normalize(it->second);
}

void RerankService::restoreLiveStats(const Runtime& rt) {
  if (!activity_) return;
  using Type = scoring::data::Event::Type;
  for (const StorefrontRuntime& sf : rt.storefronts) {
    const std::shared_ptr<LiveStats> live = liveStats(sf);
    if (!live) continue;
    const std::string& name = sf.config->name;
    const int64_t since = sf.model->stats().tables().latest_ms;
    std::size_t restored = 0;
    const auto replayed = activity_->replay(
        name, since > 0 ? ActivityLog::dayOf(since) : std::string(),
        [&](const scoring::data::Event& e) {
          if (e.isSearch() && !e.impressions.empty()) {  // a search rerankd served
            if (!e.request_id.empty()) rememberServed(sf, e.request_id, e.query);
            return;
          }
          // What learnClick takes: a search with its clicked item, a click
          // with its query or its search's request id.
          if (e.item.empty() || (e.type != Type::kSearch && e.type != Type::kClick)) return;
          if (addLiveClick(*live, name, e.item, e.query, e.request_id, e.ts_ms)) ++restored;
        });
    if (replayed.files == 0) continue;
    std::cerr << "rerankd: storefront " << name << ": " << restored
              << " click(s) newer than the model restored from the activity log (" << replayed.files
              << " file(s), " << replayed.events << " event(s)";
    if (replayed.skipped > 0) std::cerr << ", " << replayed.skipped << " unreadable line(s) skipped";
    std::cerr << ")\n";
  }
}

}  // namespace rr::rerank
