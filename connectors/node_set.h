// The engine's nodes as both clients see them: which one takes the next
// request, and which are down.
//
// A shop's cluster has several nodes, and the official clients spread
// requests over them and step around one that is down. Put in front of such
// a cluster with one URL, rerankd would make a single node's outage the
// shop's. So each client keeps a NodeSet: requests go round-robin over the
// nodes that are up; a node that cannot be reached (refused, no address,
// connect or TLS handshake timeout, TLS failure: nothing of the request was
// sent) is marked down and the request goes on to the next node at once;
// one that took a request and gave no answer in time (a node that hangs) is
// marked down too, that request not sent again.
// Once a down node's pause is over (1 s, doubling with each failure in a row
// up to 60 s), the next request tries it first, and its first answer brings
// it back; a node still down costs that request one failed connect. When
// every node is down, they are tried in the order their pauses end: a
// request never fails only because of the bookkeeping.
//
// A process that checks down nodes in the background (rerankd: `HEAD /` to
// each node whose pause is over, see dueForProbe) calls setProbed():
// requests then leave a down node to those checks and go to the nodes up,
// so no shopper's search pays for a failed connect. Should the checks stall
// (their node not claimed within kProbeGrace of its pause's end), requests
// try it again themselves.
//
// Thread-safe. With one node every request goes to it, down or not.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace rr::connectors {

class NodeSet {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::chrono::milliseconds kFirstPause{1000};
  static constexpr std::chrono::milliseconds kMaxPause{60000};
  static constexpr std::chrono::milliseconds kProbeGrace{2000};

  // `urls`: at least one, as the config gives them.
  explicit NodeSet(std::vector<std::string> urls);

  // The process's one view of these nodes: every client built for the same
  // list (rerankd's threads, its libcurl client, the next config's clients
  // after a reload) shares it while any of them is alive, so a node one
  // client found down is passed over by all.
  static std::shared_ptr<NodeSet> shared(const std::vector<std::string>& urls);

  std::size_t size() const { return urls_.size(); }
  const std::string& url(std::size_t node) const { return urls_[node]; }

  // The nodes to try for one request, in order: those down whose pause is
  // over (this request's try claims them until their next pause ends); then
  // those up, starting one further round than the request before; then the
  // other down ones, the soonest to be tried first. Every node appears once.
  std::vector<std::size_t> order(Clock::time_point now = Clock::now());

  // Down nodes are checked in the background from now on (see above).
  void setProbed() { probed_.store(true, std::memory_order_relaxed); }
  // The down nodes whose pause is over, for the background check to try;
  // the check claims them as a request would (their next pause starts now).
  // Without the lock while every node is up.
  std::vector<std::size_t> dueForProbe(Clock::time_point now = Clock::now());

  // What one try of a node came to.
  enum class Outcome {
    kUnreachable,     // nothing of the request went out
    kNoAnswerInTime,  // sent, and no answer before the deadline
    kAnswered,        // any answer (any status, or one cut short)
  };
  // A client's one place to note a try: down after either failure, up after
  // an answer. A node that hangs (a long GC pause, a full queue) still
  // accepts connections; marked down on the timeout, it stops taking its
  // share of requests and holding each until the timeout. `first_round`:
  // the try was in the request's first round of the nodes; a failure counts
  // only there, so a node fails once per request however often it retried.
  void settle(std::size_t node, Outcome outcome, bool first_round) {
    if (outcome == Outcome::kAnswered) return answered(node);
    if (first_round) failed(node);
  }

  // `node` could not be reached, or did not answer in time: down, with a
  // pause twice the last one.
  void failed(std::size_t node, Clock::time_point now = Clock::now());
  // `node` answered (any HTTP status): up again.
  void answered(std::size_t node);

  bool up(std::size_t node) const;
  // Times `node` failed since start (not reached, or no answer in time),
  // for requests or background checks (for /metrics).
  std::size_t failures(std::size_t node) const;

 private:
  struct State {
    bool up = true;
    Clock::time_point retry_at{};
    std::chrono::milliseconds pause{0};
    std::size_t failures = 0;
  };
  std::vector<std::string> urls_;
  mutable std::mutex mu_;
  std::vector<State> state_;
  std::atomic<std::size_t> next_{0};  // where the next request's round starts
  std::atomic<std::size_t> down_{0};  // nodes down; 0: order() and answered() skip the lock
  std::atomic<bool> probed_{false};
};

}  // namespace rr::connectors
