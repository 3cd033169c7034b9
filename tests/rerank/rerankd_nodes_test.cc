// rerankd in front of an engine of several nodes (`upstream.url` as a list):
// searches are spread over them, a node that goes away is passed over
// without one search failing and shown down in /metrics, checked in the
// background while it is away, and it takes searches again once it is back.
// A node that accepts connections but never answers is left alone after
// the one search it held. The two nodes are two addresses of the
// same real OpenSearch node: a TCP relay (stopped and restarted on its port)
// and the node itself. With `discover_nodes`, the node the cluster lists
// serves searches, readiness and events once the configured address is gone.
// And --check-config refuses a list that repeats a
// node or mixes http and https.
#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>
#include <map>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "tests/rerank/rerank_shop.h"
#include "tests/rerank/tcp_relay.h"
#include "tests/support/fake_upstream.h"

using namespace rr;
using namespace rr::testing;
using Clock = std::chrono::steady_clock;

namespace {

// A generous rerank deadline: the first searches of a new index can take
// longer than the default 50 ms, and this test is about the nodes.
std::string nodesConfig(const Shop& shop, const std::string& nodes) {
  return configFor(nodes, shop.index, shop.model,
                   "    deadline_ms: 5000\n"
                   "    fields: {title: title, description: description, brand: brand, "
                   "category: category, price: price}\n");
}

// The value of `metric{node="URL"}` in /metrics, or -1 when there is none.
long nodeMetric(RerankdProcess& rerankd, const std::string& metric, const std::string& url) {
  return metricValue(rerankd, metric + "{node=\"" + url + "\"}");
}

// The nodes /metrics lists, each with whether it is up.
std::map<std::string, long> nodesUp(RerankdProcess& rerankd) {
  const auto body = call(rerankd.client(), "GET", "/metrics").body;
  std::map<std::string, long> out;
  const std::regex line("rerank_upstream_node_up\\{node=\"([^\"]+)\"\\} ([0-9]+)");
  for (std::sregex_iterator it(body.begin(), body.end(), line), end; it != end; ++it) {
    out[(*it)[1].str()] = std::stol((*it)[2].str());
  }
  return out;
}

// A search as a shopper sends it: reranked, 10 hits, or the test fails.
void searchReranked(RerankdProcess& rerankd, const Shop& shop) {
  const auto r = call(rerankd.client(), "POST", "/" + shop.index + "/_search", kQuery);
  INFO(r.body);
  REQUIRE(r.status == 200);
  REQUIRE(r.header("X-Rerank") == "applied");
  REQUIRE(ids(r.body).size() == 10);
}

}  // namespace

TEST_CASE("searches go to every node, step around one that goes away, and return to it",
          "[rerankd][opensearch]") {
  Shop shop;
  TcpRelay relay(openSearchUrl());
  relay.start();
  const std::string direct = openSearchUrl();
  RerankdProcess rerankd(shop.dir, nodesConfig(shop, "[" + relay.url() + ", " + direct + "]"));

  // /metrics lists the nodes from the start, before any search.
  CHECK(nodeMetric(rerankd, "rerank_upstream_node_up", relay.url()) == 1);
  CHECK(nodeMetric(rerankd, "rerank_upstream_node_up", direct) == 1);

  // Both addresses carry searches.
  for (int i = 0; i < 10; ++i) searchReranked(rerankd, shop);
  CHECK(relay.connectionsAccepted() > 0);
  CHECK(nodeMetric(rerankd, "rerank_upstream_node_up", relay.url()) == 1);
  CHECK(nodeMetric(rerankd, "rerank_upstream_node_up", direct) == 1);
  CHECK(nodeMetric(rerankd, "rerank_upstream_node_failures_total", relay.url()) == 0);

  // The relay goes away: its kept-alive connections close and its port
  // refuses. Not one search fails; each is still reranked.
  const int port = relay.port();
  relay.stop();
  const long accepted_at_stop = relay.connectionsAccepted();
  for (int i = 0; i < 10; ++i) searchReranked(rerankd, shop);
  CHECK(nodeMetric(rerankd, "rerank_upstream_node_up", relay.url()) == 0);
  CHECK(nodeMetric(rerankd, "rerank_upstream_node_failures_total", relay.url()) >= 1);
  CHECK(nodeMetric(rerankd, "rerank_upstream_node_up", direct) == 1);
  CHECK(nodeMetric(rerankd, "rerank_upstream_node_failures_total", direct) == 0);

  // While it is away, rerankd checks it in the background, not with
  // shoppers' searches: a connect each time its pause is over (1 s, then
  // 2 s, ...). Its failures grow with no search sent.
  const long failures_at_stop =
      nodeMetric(rerankd, "rerank_upstream_node_failures_total", relay.url());
  auto waitFor = [](auto done) {
    const auto until = Clock::now() + std::chrono::seconds(15);
    while (Clock::now() < until && !done()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  };
  waitFor([&] {
    return nodeMetric(rerankd, "rerank_upstream_node_failures_total", relay.url()) >
           failures_at_stop;
  });
  CHECK(nodeMetric(rerankd, "rerank_upstream_node_failures_total", relay.url()) >
        failures_at_stop);
  CHECK(nodeMetric(rerankd, "rerank_upstream_node_up", relay.url()) == 0);

  // Back on the same port: the next check finds it, still with no search
  // sent, and its connection is kept for the next search.
  relay.start();
  REQUIRE(relay.port() == port);
  waitFor([&] { return nodeMetric(rerankd, "rerank_upstream_node_up", relay.url()) == 1; });
  CHECK(nodeMetric(rerankd, "rerank_upstream_node_up", relay.url()) == 1);
  CHECK(relay.connectionsAccepted() > accepted_at_stop);
  // And the searches after it are shared again: the relay carries some.
  const long from_clients = relay.bytesFromClients();
  for (int i = 0; i < 4; ++i) searchReranked(rerankd, shop);
  CHECK(relay.bytesFromClients() > from_clients);
  CHECK(rerankd.stop() == 0);
}

TEST_CASE("a node that accepts connections but never answers is left alone after one search",
          "[rerankd][opensearch]") {
  // A hung node (a long GC pause, a full queue): the kernel still accepts
  // connections, nothing answers. Without this, it would take its share of
  // searches and hold each until the request timeout.
  Shop shop;
  SilentListener hung;
  const std::string direct = openSearchUrl();
  std::string config = nodesConfig(shop, "[" + hung.url() + ", " + direct + "]");
  const std::string timeout = "request_timeout_ms: 5000";
  REQUIRE(config.find(timeout) != std::string::npos);
  config.replace(config.find(timeout), timeout.size(), "request_timeout_ms: 500");
  RerankdProcess rerankd(shop.dir, config);

  // The first search's round starts at the hung node: it times out (an
  // engine-shaped 504, not sent again). Every search after it is reranked.
  int failed = 0;
  for (int i = 0; i < 10; ++i) {
    const auto r = call(rerankd.client(), "POST", "/" + shop.index + "/_search", kQuery);
    INFO(r.body);
    if (r.status != 200) {
      CHECK(r.status == 504);
      ++failed;
      continue;
    }
    CHECK(r.header("X-Rerank") == "applied");
  }
  CHECK(failed <= 1);
  CHECK(nodeMetric(rerankd, "rerank_upstream_node_up", hung.url()) == 0);
  const long failures = nodeMetric(rerankd, "rerank_upstream_node_failures_total", hung.url());
  CHECK(failures >= 1);
  CHECK(nodeMetric(rerankd, "rerank_upstream_node_up", direct) == 1);

  // The background check (HEAD /) gets no answer either: it stays down,
  // its failures growing with no search sent.
  const auto until = Clock::now() + std::chrono::seconds(10);
  while (Clock::now() < until &&
         nodeMetric(rerankd, "rerank_upstream_node_failures_total", hung.url()) == failures) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(nodeMetric(rerankd, "rerank_upstream_node_failures_total", hung.url()) > failures);
  CHECK(nodeMetric(rerankd, "rerank_upstream_node_up", hung.url()) == 0);
  for (int i = 0; i < 4; ++i) searchReranked(rerankd, shop);
  CHECK(rerankd.stop() == 0);
}

TEST_CASE("with discover_nodes, rerankd finds the cluster's nodes and keeps serving without the "
          "configured one", "[rerankd][opensearch]") {
  // The config lists one address: a relay to the node. The cluster lists
  // the node under its own address, which rerankd adds.
  Shop shop;
  TcpRelay relay(openSearchUrl());
  relay.start();
  std::string config = nodesConfig(shop, relay.url());
  const std::string anchor = "\n  connect_timeout_ms:";
  REQUIRE(config.find(anchor) != std::string::npos);
  config.insert(config.find(anchor), "\n  discover_nodes: true");
  // Profiles in the engine: posting events goes through rerankd's libcurl
  // client, which sends to the found nodes too.
  const std::string profiles_index = uniqueIndexName("rerank-profiles");
  IndexGuard profiles_guard{*shop.engine, profiles_index};
  config.insert(config.find("storefronts:"), "profiles:\n  store: shared\n  index: " + profiles_index + "\n");
  RerankdProcess rerankd(shop.dir, config);

  // Asked at start: /metrics soon lists a second node, up, with no search sent.
  const auto until = Clock::now() + std::chrono::seconds(10);
  while (Clock::now() < until && nodesUp(rerankd).size() < 2) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const auto nodes = nodesUp(rerankd);
  REQUIRE(nodes.size() == 2);
  CHECK(nodes.at(relay.url()) == 1);
  std::string found;
  for (const auto& [url, up] : nodes) {
    if (url != relay.url()) found = url;
  }
  CHECK(nodes.at(found) == 1);
  // The node's own address, as it publishes it (not the relay's port).
  CHECK(found.starts_with("http://"));
  const std::string engine = openSearchUrl();
  CHECK(found.ends_with(engine.substr(engine.rfind(':'))));

  // Both carry searches, and with the configured address gone every search
  // is still reranked, through the node the cluster listed.
  const long through_relay = relay.bytesFromClients();
  for (int i = 0; i < 6; ++i) searchReranked(rerankd, shop);
  CHECK(relay.bytesFromClients() > through_relay);
  CHECK(discoveries(rerankd, "listed") == 1);  // at start; the next at 300 s
  relay.stop();
  for (int i = 0; i < 10; ++i) searchReranked(rerankd, shop);
  CHECK(nodesUp(rerankd).at(relay.url()) == 0);
  CHECK(nodesUp(rerankd).at(found) == 1);
  // The failed node has rerankd ask the cluster again, 10 s after its last
  // ask rather than at the interval.
  const auto asked_again = Clock::now() + std::chrono::seconds(20);
  while (Clock::now() < asked_again && discoveries(rerankd, "listed") < 2) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(discoveries(rerankd, "listed") == 2);
  CHECK(discoveries(rerankd, "failed") == -1);  // none failed: no such series

  // Readiness, and events written to the profiles in the engine (the
  // libcurl client, on the worker pool), reach it through the listed node
  // too, and still do after a reload of the same config.
  CHECK(call(rerankd.client(), "GET", "/_rerank/ready").status == 200);
  shop.buy(rerankd, "dana", "Initech");
  const std::vector<connectors::Header> admin{{"Authorization", "Bearer test-token-0123456789"}};
  REQUIRE(call(rerankd.client(), "POST", "/_rerank/reload", "", "", admin).status == 200);
  CHECK(call(rerankd.client(), "GET", "/_rerank/ready").status == 200);
  shop.buy(rerankd, "erin", "Globex");
  searchReranked(rerankd, shop);
  CHECK(rerankd.stop() == 0);
}

TEST_CASE("with discover_nodes, a configured node the cluster lists under another name is not "
          "added again", "[rerankd][opensearch]") {
  // The config names the node `localhost`; the cluster publishes its
  // address, 127.0.0.1. One node, so one share of the searches.
  Shop shop;
  const std::string engine = openSearchUrl();
  const std::string by_name = "http://localhost" + engine.substr(engine.rfind(':'));
  std::string config = nodesConfig(shop, by_name);
  const std::string anchor = "\n  connect_timeout_ms:";
  REQUIRE(config.find(anchor) != std::string::npos);
  config.insert(config.find(anchor), "\n  discover_nodes: true");
  RerankdProcess rerankd(shop.dir, config);
  const auto until = Clock::now() + std::chrono::seconds(10);
  while (Clock::now() < until && discoveries(rerankd, "listed") < 1) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  REQUIRE(discoveries(rerankd, "listed") == 1);
  for (int i = 0; i < 3; ++i) searchReranked(rerankd, shop);
  CHECK(nodesUp(rerankd) == std::map<std::string, long>{{by_name, 1}});
  CHECK(rerankd.stop() == 0);
}

TEST_CASE("after a reload that changes the node list, /metrics shows the new nodes at once",
          "[rerankd][opensearch]") {
  Shop shop;
  const std::string direct = openSearchUrl();
  RerankdProcess rerankd(shop.dir, nodesConfig(shop, direct));
  CHECK(nodeMetric(rerankd, "rerank_upstream_node_up", direct) == 1);

  // The same node under a second address (a relay), added by a reload. No
  // search is sent: the new config's engine client is made in the
  // background, and /metrics shows both nodes from it.
  TcpRelay relay(direct);
  relay.start();
  std::ofstream(rerankd.configPath()) << nodesConfig(shop, "[" + direct + ", " + relay.url() + "]");
  const std::vector<connectors::Header> admin{{"Authorization", "Bearer test-token-0123456789"}};
  REQUIRE(call(rerankd.client(), "POST", "/_rerank/reload", "", "", admin).status == 200);
  const auto until = Clock::now() + std::chrono::seconds(5);
  while (Clock::now() < until && nodeMetric(rerankd, "rerank_upstream_node_up", relay.url()) != 1) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(nodeMetric(rerankd, "rerank_upstream_node_up", relay.url()) == 1);
  CHECK(nodeMetric(rerankd, "rerank_upstream_node_up", direct) == 1);
  CHECK(relay.connectionsAccepted() == 0);  // no search went there
  CHECK(rerankd.stop() == 0);
}

TEST_CASE("rerankd --check-config refuses a node list that repeats a node or mixes http and "
          "https, naming the entry", "[rerankd][opensearch]") {
  Shop shop(/*sync_vectors=*/false);
  const std::string node = openSearchUrl();
  const std::string other = "http://127.0.0.1:1";
  std::string nodes, why;
  SECTION("a node twice (a trailing / is the same node)") {
    nodes = "[" + node + ", " + node + "/]";
    why = "twice";
  }
  SECTION("http and https") {
    nodes = "[" + node + ", https://127.0.0.1:1]";
    why = "same scheme";
  }
  const auto bad = shop.dir / "bad.yaml";
  std::ofstream(bad) << nodesConfig(shop, nodes);
  auto [code, text] = checkConfig(bad.string());
  CHECK(code != 0);
  CHECK_THAT(text, Catch::Contains("upstream.url[1]"));
  CHECK_THAT(text, Catch::Contains(why));

  // Two distinct nodes of one scheme are a valid list.
  const auto good = shop.dir / "good.yaml";
  std::ofstream(good) << nodesConfig(shop, "[" + node + ", " + other + "]");
  std::tie(code, text) = checkConfig(good.string());
  INFO(text);
  CHECK(code == 0);
}
