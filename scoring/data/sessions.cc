#include "scoring/data/sessions.h"

#include <algorithm>
#include <string>
#include <unordered_map>

namespace rr::scoring::data {
namespace {

struct UserState {
  int64_t last_ts = 0;
  int session = 0;
};

}  // namespace

void sortAndAssignSessions(std::vector<Event>& events, int64_t gap_ms) {
  std::stable_sort(events.begin(), events.end(),
                   [](const Event& a, const Event& b) { return a.ts_ms < b.ts_ms; });
  std::unordered_map<std::string, UserState> users;
  for (auto& event : events) {
    auto [it, first] = users.try_emplace(event.user);
    UserState& state = it->second;
    if (first || event.ts_ms - state.last_ts > gap_ms) ++state.session;
    state.last_ts = event.ts_ms;
    event.session = event.user + "#" + std::to_string(state.session);
  }
}

}  // namespace rr::scoring::data
