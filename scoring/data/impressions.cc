#include "scoring/data/impressions.h"

#include <algorithm>
#include <numeric>
#include <random>
#include <unordered_map>

namespace rr::scoring::data {

std::size_t joinClicksToImpressions(std::vector<Event>& events, int64_t window_ms) {
  std::vector<std::size_t> order(events.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return events[a].ts_ms < events[b].ts_ms; });
  std::unordered_map<std::string, std::size_t> by_request;  // request id -> served search
  std::unordered_map<std::string, std::size_t> last_served;  // user -> their latest served search
  std::size_t joined = 0;
  for (std::size_t i : order) {
    Event& e = events[i];
    if (e.isSearch()) {
      if (e.impressions.empty()) continue;
      if (!e.request_id.empty()) by_request[e.request_id] = i;
      last_served[e.user] = i;
      continue;
    }
    if (e.type != Event::Type::kClick) continue;
    Event* search = nullptr;
    if (!e.request_id.empty()) {
      if (auto it = by_request.find(e.request_id); it != by_request.end()) {
        search = &events[it->second];
      }
    }
    if (!search) {
      auto it = last_served.find(e.user);
      if (it == last_served.end()) continue;
      Event& s = events[it->second];
      if (e.ts_ms - s.ts_ms > window_ms) continue;
      search = &s;
    }
    if (!search->item.empty()) continue;  // the first click counts
    if (std::find(search->impressions.begin(), search->impressions.end(), e.item) ==
        search->impressions.end()) {
      continue;
    }
    search->item = e.item;
    ++joined;
  }
  return joined;
}

namespace {

std::pair<double, double> bootstrap(const std::vector<double>& xs, int resamples,
                                    std::mt19937_64& rng) {
  if (xs.empty() || resamples <= 0) return {0, 0};
  std::uniform_int_distribution<std::size_t> pick(0, xs.size() - 1);
  std::vector<double> means(static_cast<std::size_t>(resamples));
  for (auto& m : means) {
    double sum = 0;
    for (std::size_t k = 0; k < xs.size(); ++k) sum += xs[pick(rng)];
    m = sum / static_cast<double>(xs.size());
  }
  std::sort(means.begin(), means.end());
  const auto at = [&](double q) {
    return means[std::min(means.size() - 1, static_cast<std::size_t>(q * static_cast<double>(means.size())))];
  };
  return {at(0.025), at(0.975)};
}

}  // namespace

std::map<std::string, BucketMetrics> onlineMetrics(const std::vector<Event>& events, int resamples,
                                                   uint64_t seed) {
  std::map<std::string, std::vector<double>> clicks, reciprocal;
  for (const Event& e : events) {
    if (!e.isSearch() || e.impressions.empty()) continue;
    double rr = 0;
    if (!e.item.empty()) {
      const auto it = std::find(e.impressions.begin(), e.impressions.end(), e.item);
      if (it != e.impressions.end()) {
        rr = 1.0 / static_cast<double>(e.from + (it - e.impressions.begin()) + 1);
      }
    }
    clicks[e.bucket].push_back(rr > 0 ? 1.0 : 0.0);
    reciprocal[e.bucket].push_back(rr);
  }
  std::map<std::string, BucketMetrics> out;
  std::mt19937_64 rng(seed);
  for (const auto& [bucket, c] : clicks) {
    const auto& r = reciprocal[bucket];
    BucketMetrics m;
    m.served = c.size();
    m.clicked = static_cast<std::size_t>(std::accumulate(c.begin(), c.end(), 0.0));
    m.ctr = static_cast<double>(m.clicked) / static_cast<double>(m.served);
    m.mrr = std::accumulate(r.begin(), r.end(), 0.0) / static_cast<double>(m.served);
    std::tie(m.ctr_lo, m.ctr_hi) = bootstrap(c, resamples, rng);
    std::tie(m.mrr_lo, m.mrr_hi) = bootstrap(r, resamples, rng);
    out[bucket] = m;
  }
  return out;
}

}  // namespace rr::scoring::data
