// connectors/node_set.h: which node takes a request, and which are down.
#include "connectors/node_set.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <map>
#include <vector>

namespace rr::connectors {
namespace {

using Order = std::vector<std::size_t>;
using std::chrono::milliseconds;

NodeSet threeNodes() { return NodeSet({"http://a:9200", "http://b:9200", "http://c:9200"}); }

TEST_CASE("requests go round-robin over the nodes, each node once per order", "[unit][node_set]") {
  NodeSet nodes = threeNodes();
  const auto t = NodeSet::Clock::now();
  CHECK(nodes.order(t) == Order{0, 1, 2});
  CHECK(nodes.order(t) == Order{1, 2, 0});
  CHECK(nodes.order(t) == Order{2, 0, 1});
  CHECK(nodes.order(t) == Order{0, 1, 2});
  std::map<std::size_t, int> first;
  for (int i = 0; i < 300; ++i) ++first[nodes.order(t).front()];
  CHECK(first == std::map<std::size_t, int>{{0, 100}, {1, 100}, {2, 100}});
}

TEST_CASE("a node that could not be reached goes last until its pause is over",
          "[unit][node_set]") {
  NodeSet nodes = threeNodes();
  const auto t = NodeSet::Clock::now();
  nodes.failed(1, t);
  CHECK_FALSE(nodes.up(1));
  CHECK(nodes.failures(1) == 1);
  for (int i = 0; i < 6; ++i) {
    const Order o = nodes.order(t + milliseconds(999));
    CHECK(o.size() == 3);
    CHECK(o.back() == 1);
  }
  // Its pause (1 s) is over: the next request tries it first, and claims the
  // try, so the requests after it pass it over for another second.
  CHECK(nodes.order(t + milliseconds(1000)).front() == 1);
  CHECK(nodes.order(t + milliseconds(1001)).back() == 1);
  CHECK(nodes.order(t + milliseconds(1999)).back() == 1);
  CHECK(nodes.order(t + milliseconds(2000)).front() == 1);
  // An answer brings it back into the round.
  nodes.answered(1);
  CHECK(nodes.up(1));
  std::map<std::size_t, int> first;
  for (int i = 0; i < 30; ++i) ++first[nodes.order(t + milliseconds(2001)).front()];
  CHECK(first[1] == 10);
}

TEST_CASE("each failure in a row doubles the pause, up to a minute", "[unit][node_set]") {
  NodeSet nodes = threeNodes();
  auto t = NodeSet::Clock::now();
  const auto triedFirstAt = [&](milliseconds after) {
    return nodes.order(t + after).front() == 2;
  };
  milliseconds pause = NodeSet::kFirstPause;
  for (int failure = 0; failure < 9; ++failure) {
    nodes.failed(2, t);
    CHECK_FALSE(triedFirstAt(pause - milliseconds(1)));
    CHECK(triedFirstAt(pause));
    t += pause;
    pause = std::min(NodeSet::kMaxPause, pause * 2);
  }
  CHECK(nodes.failures(2) == 9);
  // After an answer the next failure starts again from the first pause.
  nodes.answered(2);
  t += milliseconds(1);
  nodes.failed(2, t);
  CHECK(triedFirstAt(NodeSet::kFirstPause));
}

TEST_CASE("with every node down, they are tried in the order their pauses end",
          "[unit][node_set]") {
  NodeSet nodes = threeNodes();
  const auto t = NodeSet::Clock::now();
  nodes.failed(0, t);
  nodes.failed(0, t);  // a 2 s pause
  nodes.failed(1, t + milliseconds(300));
  nodes.failed(2, t + milliseconds(100));
  CHECK(nodes.order(t + milliseconds(500)) == Order{2, 1, 0});
  CHECK(nodes.order(t + milliseconds(600)) == Order{2, 1, 0});
}

TEST_CASE("a single node takes every request, down or not", "[unit][node_set]") {
  NodeSet nodes({"http://only:9200"});
  const auto t = NodeSet::Clock::now();
  CHECK(nodes.order(t) == Order{0});
  nodes.failed(0, t);
  CHECK(nodes.order(t) == Order{0});
  CHECK(nodes.order(t + milliseconds(5000)) == Order{0});
  CHECK(nodes.url(0) == "http://only:9200");
}

TEST_CASE("a background check gets each down node once its pause is over, and claims it",
          "[unit][node_set]") {
  NodeSet nodes = threeNodes();
  const auto t = NodeSet::Clock::now();
  CHECK(nodes.dueForProbe(t).empty());  // every node up
  nodes.failed(1, t);
  nodes.failed(2, t);
  nodes.failed(2, t);  // twice in a row: a 2 s pause
  CHECK(nodes.dueForProbe(t + milliseconds(999)).empty());
  CHECK(nodes.dueForProbe(t + milliseconds(1000)) == Order{1});
  // Claimed: not given again until its next pause (1 s from the claim) ends.
  CHECK(nodes.dueForProbe(t + milliseconds(1500)).empty());
  CHECK(nodes.dueForProbe(t + milliseconds(2000)) == (Order{1, 2}));
  // A node back up is not checked.
  nodes.answered(1);
  CHECK(nodes.dueForProbe(t + milliseconds(60000)) == Order{2});
}

TEST_CASE("with background checks, requests leave a down node to them unless they stall",
          "[unit][node_set]") {
  NodeSet nodes = threeNodes();
  nodes.setProbed();
  const auto t = NodeSet::Clock::now();
  nodes.failed(0, t);
  // Its pause is over, but the check will try it: requests go to the nodes
  // up and keep the down one last.
  for (int i = 0; i < 4; ++i) CHECK(nodes.order(t + milliseconds(1000)).back() == 0);
  CHECK_FALSE(nodes.up(0));
  // No check claimed it for kProbeGrace after its pause ended: a request
  // tries it first, as without checks, and claims it.
  const auto stalled = t + milliseconds(1000) + NodeSet::kProbeGrace;
  CHECK(nodes.order(stalled).front() == 0);
  CHECK(nodes.order(stalled).back() == 0);
  // A check that claimed it on time keeps requests away for the next pause.
  nodes.failed(1, t);
  CHECK(nodes.dueForProbe(t + milliseconds(1000)) == Order{1});
  CHECK(nodes.order(t + milliseconds(1000) + NodeSet::kProbeGrace).front() == 2);  // the one up
}

}  // namespace
}  // namespace rr::connectors
