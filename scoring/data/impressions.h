// Joining clicks to what rerankd served, and the online metrics per A/B
// bucket. Pure functions over an event log (rerankd's activity log, or any
// log in the same format).
//
// A served search is a search event with `impressions` (the items of the
// page, in order, starting at position `from` + 1). Its click is, in order
// of preference: a click carrying the search's `request_id`; else the
// user's first click on one of its items within `window_ms` after it (and
// before their next served search). Only clicks count, not views, carts or
// purchases.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "scoring/data/event.h"

namespace rr::scoring::data {

// Sets `item` (the clicked item) of each served search that has none and
// whose click is found. `events` in any order; the join follows `ts`.
// Returns how many searches got a click.
std::size_t joinClicksToImpressions(std::vector<Event>& events, int64_t window_ms = 30 * 60'000);

struct BucketMetrics {
  std::size_t served = 0;   // searches with impressions
  std::size_t clicked = 0;  // of them, with a joined click
  double ctr = 0;           // clicked / served
  double mrr = 0;           // mean of 1 / position of the click, 0 without one
  // 95% intervals by bootstrap over searches (seeded: the same every run).
  double ctr_lo = 0, ctr_hi = 0, mrr_lo = 0, mrr_hi = 0;
};

// Per bucket ("" for searches served without one), after the join.
std::map<std::string, BucketMetrics> onlineMetrics(const std::vector<Event>& events,
                                                   int resamples = 1000, uint64_t seed = 1);

}  // namespace rr::scoring::data
