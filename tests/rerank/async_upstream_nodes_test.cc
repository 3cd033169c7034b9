// AsyncUpstream with several nodes (`upstream.url` as a list,
// connectors/node_set.h) against sockets on loopback: round-robin, a node
// that refuses connections passed over without using up the retry and then
// left alone during its pause, a retry sent to the next node. As in
// async_upstream_test.cc, the io_context runs on a thread of the test and
// each call is bounded by its deadline plus a margin.
#include <catch2/catch.hpp>

// Boost 1.74's awaitable.hpp uses std::exchange without including <utility>.
#include <utility>

#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "connectors/http_transport.h"
#include "connectors/node_set.h"
#include "rerank/async_upstream.h"
#include "tests/rerank/async_test_client.h"
#include "tests/support/fake_upstream.h"

namespace asio = boost::asio;
using namespace std::chrono_literals;
using rr::connectors::Clock;
using rr::connectors::HttpRequest;
using rr::connectors::HttpResponse;
using rr::connectors::NodeSet;
using rr::connectors::Result;
using rr::rerank::AsyncUpstream;
using rr::testing::CannedResponse;
using rr::testing::FakeUpstream;

namespace {

// The shared test client, with one kind of call (a search, 5 s deadline) and
// the client's view of the nodes.
class Client : public rr::testing::AsyncTestClient {
 public:
  using AsyncTestClient::AsyncTestClient;
  NodeSet& nodes() { return *upstream().nodes(); }
  Result send() {
    HttpRequest request;
    request.method = "POST";
    request.path = "/products/_search";
    request.headers.push_back({"Content-Type", "application/json"});
    request.body = R"({"query":{"match_all":{}}})";
    return AsyncTestClient::send(std::move(request), 5s);
  }
};

rr::config::UpstreamConfig configFor(const std::vector<std::string>& urls) {
  rr::config::UpstreamConfig config;
  config.url = urls.front();
  config.urls = urls;
  config.connect_timeout = 1000ms;
  return config;
}

std::string closedUrl() { return "http://127.0.0.1:" + std::to_string(rr::testing::closedPort()); }

}  // namespace

TEST_CASE("async calls go round-robin over the nodes, an equal share to each",
          "[component][async_upstream]") {
  FakeUpstream a({CannedResponse{}});
  FakeUpstream b({CannedResponse{}});
  Client client(configFor({a.url(), b.url()}));
  for (int i = 0; i < 10; ++i) {
    auto r = client.send();
    REQUIRE(r);
    CHECK(r->status == 200);
  }
  CHECK(a.requestsSeen() == 5);
  CHECK(b.requestsSeen() == 5);
  CHECK(client.nodes().up(0));
  CHECK(client.nodes().up(1));
}

TEST_CASE("async calls pass over nodes that refuse connections without using up the retry",
          "[component][async_upstream]") {
  // Two refused nodes before the live one: the client has two tries, so had
  // each refusal used one, the first call (whose round starts at the first
  // node) would fail.
  FakeUpstream live({CannedResponse{}});
  const auto refused = GENERATE(1, 2);
  std::vector<std::string> urls;
  for (int i = 0; i < refused; ++i) urls.push_back(closedUrl());
  urls.push_back(live.url());
  Client client(configFor(urls));
  for (int i = 0; i < 4; ++i) {
    INFO("call " << i);
    auto r = client.send();
    REQUIRE(r);
    CHECK(r->status == 200);
  }
  CHECK(live.requestsSeen() == 4);
  for (int i = 0; i < refused; ++i) {
    CHECK_FALSE(client.nodes().up(i));
    CHECK(client.nodes().failures(i) >= 1);
  }
  CHECK(client.nodes().up(refused));
}

TEST_CASE("an async call answered 503 by one node is retried on the next node, which answers",
          "[component][async_upstream]") {
  FakeUpstream busy({CannedResponse{.status = 503, .body = R"({"status":503})"}});
  FakeUpstream ok({CannedResponse{.status = 200, .body = R"({"hits":{}})"}});
  Client client(configFor({busy.url(), ok.url()}));
  auto r = client.send();
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->body == R"({"hits":{}})");
  CHECK(busy.requestsSeen() == 1);
  CHECK(ok.requestsSeen() == 1);
  // A 503 is an answer: the busy node is not down.
  CHECK(client.nodes().up(0));
}

TEST_CASE("a node refused once is marked down and the next calls go to the others",
          "[component][async_upstream]") {
  auto gone = std::make_unique<FakeUpstream>(std::vector<CannedResponse>{CannedResponse{}});
  FakeUpstream stays({CannedResponse{}});
  Client client(configFor({gone->url(), stays.url()}));
  // Both take calls, and each has a kept-alive connection from the client.
  REQUIRE(client.send());
  REQUIRE(client.send());
  REQUIRE(gone->requestsSeen() == 1);
  REQUIRE(stays.requestsSeen() == 1);
  REQUIRE(client.nodes().up(0));

  // The node goes away (its idle connection closes, its port refuses). The
  // next call's round starts at it: the dead connection is dropped, the new
  // one refused, and the call goes on to the other node.
  gone.reset();
  auto r = client.send();
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(stays.requestsSeen() == 2);
  CHECK_FALSE(client.nodes().up(0));
  CHECK(client.nodes().failures(0) == 1);
  CHECK(client.nodes().up(1));

  // During its pause (1 s; five loopback calls take milliseconds) the down
  // node is not tried: each try would be refused and counted.
  for (int i = 0; i < 5; ++i) {
    auto next = client.send();
    REQUIRE(next);
    CHECK(next->status == 200);
  }
  CHECK(stays.requestsSeen() == 7);
  CHECK(client.nodes().failures(0) == 1);
  CHECK_FALSE(client.nodes().up(0));
}

TEST_CASE("async clients that share a node set pass over a node one of them found down",
          "[component][async_upstream]") {
  // rerankd gives every thread's client one NodeSet (server.cc sharedNodes()).
  FakeUpstream live({CannedResponse{}});
  const auto config = configFor({closedUrl(), live.url()});
  auto shared = std::make_shared<NodeSet>(config.nodes());
  asio::io_context ioc;
  auto first = std::make_unique<AsyncUpstream>(ioc.get_executor(), config, shared);
  AsyncUpstream second(ioc.get_executor(), config, shared);
  CHECK(first->nodes() == shared);
  CHECK(second.nodes() == shared);
  // One call on `client`, run to its end on this thread.
  const auto call = [&](AsyncUpstream& client) {
    HttpRequest request;
    request.method = "GET";
    request.path = "/";
    auto future = asio::co_spawn(ioc, client.send(request, Clock::now() + 5s), asio::use_future);
    ioc.restart();
    ioc.run();
    REQUIRE(future.wait_for(0s) == std::future_status::ready);
    return future.get();
  };

  // The first client's two calls: the first is refused by node 0 and goes
  // on to node 1; the second's round starts at node 1.
  REQUIRE(call(*first));
  REQUIRE(call(*first));
  REQUIRE_FALSE(shared->up(0));
  REQUIRE(shared->failures(0) == 1);
  // FakeUpstream serves one connection at a time: the first client's
  // kept-alive one closes.
  first.reset();

  // The second client's round starts at node 0 again, which it never tried
  // itself: it goes straight to node 1 (a try would be refused and counted).
  auto r = call(second);
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(shared->failures(0) == 1);
  CHECK(live.requestsSeen() == 3);
}

TEST_CASE("with every node refusing, one call marks each node down once",
          "[component][async_upstream]") {
  // The call goes round the nodes, then round again for its retry; the
  // second round must not count (and double the pause of) a node again.
  Client client(configFor({closedUrl(), closedUrl()}));
  auto r = client.send();
  REQUIRE_FALSE(r);
  CHECK(r.error().cause == rr::connectors::TransportCause::kConnectionRefused);
  CHECK(client.nodes().failures(0) == 1);
  CHECK(client.nodes().failures(1) == 1);
}

TEST_CASE("rerankd's async clients and its libcurl client of the same nodes share one view",
          "[component][async_upstream]") {
  // Neither is handed a NodeSet: both take the process's for their list
  // (connectors::NodeSet::shared), so a node the libcurl client (events,
  // readiness) found down is passed over by the searches too.
  FakeUpstream live({CannedResponse{}, CannedResponse{}});
  const auto config = configFor({closedUrl(), live.url()});
  Client async(config);
  rr::connectors::ClientOptions options;
  options.url = config.url;
  options.urls = config.urls;
  options.retry.max_attempts = 1;
  auto curl = std::make_unique<rr::connectors::CurlTransport>(options);
  CHECK(&async.nodes() == rr::connectors::NodeSet::shared(config.nodes()).get());
  HttpRequest request;
  request.method = "GET";
  request.path = "/";
  // The libcurl client's round starts at the closed node: refused, passed over.
  auto r = curl->send(request, Clock::now() + 5s);
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK_FALSE(async.nodes().up(0));
  CHECK(async.nodes().failures(0) == 1);
  // FakeUpstream serves one connection at a time: the libcurl one closes.
  curl.reset();
  // The async client's call goes to the live node without trying the closed one.
  auto a = async.send();
  REQUIRE(a);
  CHECK(async.nodes().failures(0) == 1);
  CHECK(live.requestsSeen() == 2);
}

TEST_CASE("a background check brings a node back and leaves its connection for the next call",
          "[component][async_upstream]") {
  FakeUpstream live({CannedResponse{}});
  Client client(configFor({live.url()}));
  client.nodes().failed(0);  // as after a refused connect
  REQUIRE_FALSE(client.nodes().up(0));
  client.probe(0);
  CHECK(client.nodes().up(0));
  CHECK(client.upstream().connectionsOpened() == 1);
  REQUIRE(live.requestsSeen() == 1);
  CHECK(live.requestLines()[0] == "HEAD / HTTP/1.1");
  // The call after it uses the check's connection.
  auto r = client.send();
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(client.upstream().connectionsOpened() == 1);
  CHECK(live.requestsSeen() == 2);
}

TEST_CASE("a node that takes a call and gives no answer in time is left alone for its pause",
          "[component][async_upstream]") {
  // A node that hangs (a long GC pause, a full queue) still accepts
  // connections: without this, it would keep taking its share of calls and
  // hold each until the timeout.
  FakeUpstream hung({CannedResponse{.stall = true}});
  FakeUpstream live({CannedResponse{}});
  Client client(configFor({hung.url(), live.url()}));
  HttpRequest request;
  request.method = "GET";
  request.path = "/products/_search";
  // The first call's round starts at the hung node: it times out, and is
  // not sent again (the engine may still be running it).
  auto r = client.AsyncTestClient::send(request, 300ms);
  REQUIRE_FALSE(r);
  CHECK(r.error().cause == rr::connectors::TransportCause::kTimeout);
  CHECK(live.requestsSeen() == 0);
  CHECK_FALSE(client.nodes().up(0));
  CHECK(client.nodes().failures(0) == 1);
  // The next calls go to the node that answers, each at once.
  for (int i = 0; i < 4; ++i) {
    auto next = client.AsyncTestClient::send(request, 300ms);
    REQUIRE(next);
    CHECK(next->status == 200);
  }
  CHECK(live.requestsSeen() == 4);
  CHECK(hung.requestsSeen() == 1);

  // A background check of it (HEAD /) gets no answer either: still down.
  client.probe(0);
  CHECK_FALSE(client.nodes().up(0));
  CHECK(client.nodes().failures(0) == 2);
}

TEST_CASE("a background check of a node that still refuses keeps it down and doubles its pause",
          "[component][async_upstream]") {
  FakeUpstream live({CannedResponse{}});
  Client client(configFor({closedUrl(), live.url()}));
  const auto before = Clock::now();
  client.nodes().failed(0, before);
  client.probe(0);
  const auto after = Clock::now();
  CHECK_FALSE(client.nodes().up(0));
  CHECK(client.nodes().failures(0) == 2);
  CHECK(client.upstream().connectionsOpened() == 0);
  // The next pause is 2 s from the check.
  CHECK(client.nodes().dueForProbe(before + 1900ms).empty());
  CHECK(client.nodes().dueForProbe(after + 2000ms) == std::vector<std::size_t>{0});
}
