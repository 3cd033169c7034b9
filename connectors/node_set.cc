#include "connectors/node_set.h"

#include <algorithm>
#include <map>
#include <utility>

namespace rr::connectors {

NodeSet::NodeSet(std::vector<std::string> urls) : urls_(std::move(urls)), state_(urls_.size()) {}

std::shared_ptr<NodeSet> NodeSet::shared(const std::vector<std::string>& urls) {
  static std::mutex mu;
  static std::map<std::vector<std::string>, std::weak_ptr<NodeSet>> views;
  std::lock_guard lock(mu);
  if (auto alive = views[urls].lock()) return alive;
  std::erase_if(views, [](const auto& entry) { return entry.second.expired(); });
  auto made = std::make_shared<NodeSet>(urls);
  views[urls] = made;
  return made;
}

std::vector<std::size_t> NodeSet::order(Clock::time_point now) {
  std::vector<std::size_t> out;
  out.reserve(urls_.size());
  // Every node up (the usual case, and always with one node): the round
  // alone, without the lock.
  if (urls_.size() == 1 || down_.load(std::memory_order_acquire) == 0) {
    const std::size_t start = next_.fetch_add(1, std::memory_order_relaxed) % urls_.size();
    for (std::size_t k = 0; k < urls_.size(); ++k) out.push_back((start + k) % urls_.size());
    return out;
  }
  std::vector<std::size_t> live;
  std::vector<std::size_t> down;
  // Checked in the background: a request tries a down node first only when
  // those checks seem to have stalled.
  const auto grace = probed_.load(std::memory_order_relaxed) ? kProbeGrace : Clock::duration{0};
  std::lock_guard lock(mu_);
  const std::size_t start = next_.fetch_add(1, std::memory_order_relaxed) % urls_.size();
  for (std::size_t k = 0; k < urls_.size(); ++k) {
    const std::size_t node = (start + k) % urls_.size();
    State& s = state_[node];
    if (s.up) {
      live.push_back(node);
    } else if (s.retry_at + grace <= now) {
      // Its pause is over: this request tries it first, and claims the try
      // (the next pause starts now), so requests arriving meanwhile do not
      // all queue on a node that may still be down.
      out.push_back(node);
      s.retry_at = now + s.pause;
    } else {
      down.push_back(node);
    }
  }
  std::stable_sort(down.begin(), down.end(), [&](std::size_t a, std::size_t b) {
    return state_[a].retry_at < state_[b].retry_at;
  });
  out.insert(out.end(), live.begin(), live.end());
  out.insert(out.end(), down.begin(), down.end());
  return out;
}

std::vector<std::size_t> NodeSet::dueForProbe(Clock::time_point now) {
  std::vector<std::size_t> out;
  if (down_.load(std::memory_order_acquire) == 0) return out;
  std::lock_guard lock(mu_);
  for (std::size_t node = 0; node < state_.size(); ++node) {
    State& s = state_[node];
    if (s.up || s.retry_at > now) continue;
    out.push_back(node);
    s.retry_at = now + s.pause;
  }
  return out;
}

void NodeSet::failed(std::size_t node, Clock::time_point now) {
  std::lock_guard lock(mu_);
  State& s = state_[node];
  s.pause = s.up ? kFirstPause : std::min(kMaxPause, s.pause * 2);
  if (s.up) down_.fetch_add(1, std::memory_order_release);
  s.up = false;
  s.retry_at = now + s.pause;
  ++s.failures;
}

void NodeSet::answered(std::size_t node) {
  if (down_.load(std::memory_order_acquire) == 0) return;  // up already
  std::lock_guard lock(mu_);
  State& s = state_[node];
  if (!s.up) down_.fetch_sub(1, std::memory_order_release);
  s.up = true;
  s.pause = std::chrono::milliseconds{0};
}

bool NodeSet::up(std::size_t node) const {
  std::lock_guard lock(mu_);
  return state_[node].up;
}

std::size_t NodeSet::failures(std::size_t node) const {
  std::lock_guard lock(mu_);
  return state_[node].failures;
}

}  // namespace rr::connectors
