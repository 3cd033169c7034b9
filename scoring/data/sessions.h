// Session ids for logs that have none.
#pragma once

#include <cstdint>
#include <vector>

#include "scoring/data/event.h"

namespace rr::scoring::data {

inline constexpr int64_t kSessionGapMs = 30 * 60 * 1000;

// Sorts `events` by time (stable: equal times keep their order) and gives
// each one the session `user + "#" + n`: per user, n starts at 1 and grows
// whenever more than `gap_ms` passed since that user's previous event.
void sortAndAssignSessions(std::vector<Event>& events, int64_t gap_ms = kSessionGapMs);

}  // namespace rr::scoring::data
