#include "rerank/live_stats.h"

namespace rr::rerank {

LiveStats::LiveStats(const scoring::Model& model, const LiveStats* earlier)
    : stats_(model.stats()), model_latest_ms_(model.stats().tables().latest_ms) {
  // The live scorer reads the transitions from the model, which never
  // changes them: this copy would only double their memory.
  stats_.dropTransitions();
  if (!earlier) return;
  std::shared_lock lock(earlier->mu_);
  for (const Click& c : earlier->kept_) {
    if (c.ts_ms > model_latest_ms_) add(c);
  }
}

bool LiveStats::addClick(std::string_view normalized_query, std::string_view item,
                         int64_t ts_ms) {
  if (item.empty() || ts_ms <= model_latest_ms_) return false;
  std::unique_lock lock(mu_);
  add({std::string(normalized_query), std::string(item), ts_ms});
  return true;
}

std::vector<std::string> LiveStats::clickedFor(const std::string& normalized_query,
                                               const std::vector<std::string>* trained,
                                               std::size_t k) const {
  std::shared_lock lock(mu_);
  auto since = since_.find(normalized_query);
  return scoring::mergeClickLists(trained, since == since_.end() ? nullptr : &since->second, k);
}

void LiveStats::add(Click click) {
  stats_.addClick(click.query, click.item, click.ts_ms);
  if (!click.query.empty()) ++since_[click.query][click.item];
  ++added_;
  kept_.push_back(std::move(click));
  if (kept_.size() > kKeptClicks) kept_.pop_front();
}

}  // namespace rr::rerank
