// The libcurl transport against sockets on loopback: deadlines, refused
// connections, retries, truncated bodies, several nodes. A fake upstream
// stands in only for faults a real engine does not produce on demand.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

#include "connectors/engine_client.h"
#include "tests/support/fake_upstream.h"

using namespace rr::connectors;
using rr::testing::CannedResponse;
using rr::testing::FakeUpstream;

namespace {

// A client of `urls` (one node, or several: connectors/node_set.h).
std::unique_ptr<EngineClient> clientFor(const std::vector<std::string>& urls,
                                        std::chrono::milliseconds timeout,
                                        int attempts = 3) {
  ClientOptions options;
  options.url = urls.front();
  options.urls = urls;
  options.request_timeout = timeout;
  options.connect_timeout = std::chrono::milliseconds(500);
  options.retry.max_attempts = attempts;
  options.retry.base_backoff = std::chrono::milliseconds(5);
  options.retry.max_backoff = std::chrono::milliseconds(20);
  auto client = EngineClient::create(options);
  REQUIRE(client);
  return std::move(*client);
}

std::unique_ptr<EngineClient> clientFor(const std::string& url, std::chrono::milliseconds timeout,
                                        int attempts = 3) {
  return clientFor(std::vector{url}, timeout, attempts);
}

const std::string kEmptySearch =
    R"({"took":1,"timed_out":false,"hits":{"total":{"value":0,"relation":"eq"},"max_score":null,"hits":[]}})";

}  // namespace

TEST_CASE("a server that accepts but never answers trips the deadline within its bound",
          "[component][transport]") {
  rr::testing::SilentListener silent;
  auto client = clientFor(silent.url(), std::chrono::milliseconds(300));
  auto start = Clock::now();
  auto r = client->search("idx", "{}");
  auto elapsed = Clock::now() - start;
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::kDeadlineExceeded);
  CHECK(r.error().cause == TransportCause::kTimeout);
  CHECK(elapsed >= std::chrono::milliseconds(250));
  // Generous slack for a loaded 2-core machine; the point is "bounded".
  CHECK(elapsed < std::chrono::milliseconds(3000));
}

TEST_CASE("a stalled response trips the deadline and is not retried",
          "[component][transport]") {
  FakeUpstream upstream({CannedResponse{.stall = true}});
  auto client = clientFor(upstream.url(), std::chrono::milliseconds(300));
  auto r = client->search("idx", "{}");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::kDeadlineExceeded);
  CHECK(upstream.requestsSeen() == 1);
}

TEST_CASE("a closed port reports unavailable with the cause connection refused",
          "[component][transport]") {
  auto client = clientFor("http://127.0.0.1:" +
                              std::to_string(rr::testing::closedPort()),
                          std::chrono::milliseconds(2000));
  auto r = client->search("idx", "{}");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::kUnavailable);
  CHECK(r.error().cause == TransportCause::kConnectionRefused);
  CHECK_THAT(r.error().message, Catch::Contains("connection refused"));
}

TEST_CASE("an unknown host reports unavailable with the cause DNS",
          "[component][transport]") {
  auto client = clientFor("http://no-such-host.invalid:9200",
                          std::chrono::milliseconds(3000), 1);
  auto r = client->search("idx", "{}");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::kUnavailable);
  CHECK(r.error().cause == TransportCause::kDns);
}

TEST_CASE("503 and 429 are retried until the engine answers",
          "[component][transport]") {
  FakeUpstream upstream({CannedResponse{.status = 503, .body = "{}"},
                         CannedResponse{.status = 429, .body = "{}"},
                         CannedResponse{.status = 200, .body = kEmptySearch}});
  auto client = clientFor(upstream.url(), std::chrono::milliseconds(5000), 3);
  auto r = client->search("idx", "{}");
  REQUIRE(r);
  CHECK(upstream.requestsSeen() == 3);
  CHECK(r->hits.empty());
}

TEST_CASE("retries stop at max_attempts and report the last status",
          "[component][transport]") {
  FakeUpstream upstream({CannedResponse{
      .status = 503,
      .body = R"({"error":{"type":"cluster_block_exception","reason":"blocked"},"status":503})"}});
  auto client = clientFor(upstream.url(), std::chrono::milliseconds(5000), 3);
  auto r = client->search("idx", "{}");
  REQUIRE_FALSE(r);
  CHECK(upstream.requestsSeen() == 3);
  CHECK(r.error().code == ErrorCode::kUnavailable);
  CHECK(r.error().http_status == 503);
  CHECK(r.error().engine_type == "cluster_block_exception");
}

TEST_CASE("a 400 from the engine is not retried", "[component][transport]") {
  FakeUpstream upstream({CannedResponse{
      .status = 400,
      .body = R"({"error":{"type":"parsing_exception","reason":"bad"},"status":400})"}});
  auto client = clientFor(upstream.url(), std::chrono::milliseconds(5000), 3);
  auto r = client->search("idx", "{}");
  REQUIRE_FALSE(r);
  CHECK(upstream.requestsSeen() == 1);
  CHECK(r.error().code == ErrorCode::kEngineError);
  CHECK(r.error().engine_type == "parsing_exception");
}

TEST_CASE("a body cut short by the server is a bad response, not a crash",
          "[component][transport]") {
  FakeUpstream upstream({CannedResponse{.body = kEmptySearch, .cut_body = true}});
  auto client = clientFor(upstream.url(), std::chrono::milliseconds(2000), 1);
  auto r = client->search("idx", "{}");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::kBadResponse);
  CHECK_THAT(r.error().message, Catch::Contains("truncated"));
}

TEST_CASE("a garbage 200 body is a bad response naming the problem",
          "[component][transport]") {
  FakeUpstream upstream({CannedResponse{.body = "<html>oops</html>",
                                        .content_type = "text/html"}});
  auto client = clientFor(upstream.url(), std::chrono::milliseconds(2000), 1);
  auto r = client->search("idx", "{}");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::kBadResponse);
}

TEST_CASE("a deadline already passed fails before anything is sent",
          "[component][transport]") {
  FakeUpstream upstream({CannedResponse{.body = kEmptySearch}});
  auto client = clientFor(upstream.url(), std::chrono::milliseconds(2000));
  auto r = client->search("idx", "{}", {}, Clock::now() - std::chrono::seconds(1));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::kDeadlineExceeded);
  CHECK(upstream.requestsSeen() == 0);
}

TEST_CASE("basic auth credentials are sent on every request", "[component][transport]") {
  FakeUpstream upstream({CannedResponse{.body = kEmptySearch}});
  ClientOptions options;
  options.url = upstream.url();
  options.auth = BasicAuth{"shop", "s3cret"};
  auto client = EngineClient::create(options);
  REQUIRE(client);
  REQUIRE((*client)->search("idx", "{}"));
  REQUIRE((*client)->search("idx", "{}"));
  auto heads = upstream.requestHeads();
  REQUIRE(heads.size() == 2);
  // base64("shop:s3cret")
  for (const auto& h : heads) CHECK_THAT(h, Catch::Contains("Authorization: Basic c2hvcDpzM2NyZXQ="));
}

TEST_CASE("proxy variables in the environment are not used: the engine is reached directly",
          "[component][transport]") {
  // As the async client does: rerankd's searches and its other calls must
  // not take different roads to the same engine.
  FakeUpstream engine({CannedResponse{.body = kEmptySearch}});
  FakeUpstream proxy({CannedResponse{.status = 502, .body = "{}"}});
  for (const char* name : {"http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"}) {
    ::setenv(name, proxy.url().c_str(), 1);
  }
  auto client = clientFor(engine.url(), std::chrono::milliseconds(2000), 1);
  const auto r = client->search("idx", "{}");
  for (const char* name : {"http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"}) {
    ::unsetenv(name);
  }
  CHECK(r);
  CHECK(engine.requestsSeen() == 1);
  CHECK(proxy.requestsSeen() == 0);
}

TEST_CASE("no credentials are sent when none are configured", "[component][transport]") {
  FakeUpstream upstream({CannedResponse{.body = kEmptySearch}});
  auto client = clientFor(upstream.url(), std::chrono::milliseconds(2000), 1);
  REQUIRE(client->search("idx", "{}"));
  CHECK_THAT(upstream.requestHeads().at(0), !Catch::Contains("Authorization"));
}

TEST_CASE("a CA file that does not exist is a TLS error, not a silent fallback",
          "[component][transport]") {
  FakeUpstream upstream({CannedResponse{.body = kEmptySearch}});
  ClientOptions options;
  options.url = "https://127.0.0.1:" + std::to_string(upstream.port());
  options.tls.ca_file = "/nonexistent/ca.pem";
  options.retry.max_attempts = 1;
  auto client = EngineClient::create(options);
  REQUIRE(client);
  auto r = (*client)->search("idx", "{}");
  REQUIRE_FALSE(r);
  CHECK(r.error().cause == TransportCause::kTls);
}

// Several nodes (upstream.url as a list, connectors/node_set.h).

TEST_CASE("requests go round-robin over the nodes, an equal share to each",
          "[component][transport]") {
  FakeUpstream a({CannedResponse{.body = kEmptySearch}});
  FakeUpstream b({CannedResponse{.body = kEmptySearch}});
  auto client = clientFor({a.url(), b.url()}, std::chrono::milliseconds(5000), 1);
  for (int i = 0; i < 10; ++i) REQUIRE(client->search("idx", "{}"));
  CHECK(a.requestsSeen() == 5);
  CHECK(b.requestsSeen() == 5);
}

TEST_CASE("a node that refuses connections is passed over without using up an attempt",
          "[component][transport]") {
  // One attempt only: had the refused node used it, the first request (whose
  // round starts at the first node) would fail.
  FakeUpstream live({CannedResponse{.body = kEmptySearch}});
  const std::string refused = "http://127.0.0.1:" + std::to_string(rr::testing::closedPort());
  auto client = clientFor({refused, live.url()}, std::chrono::milliseconds(5000), 1);
  for (int i = 0; i < 4; ++i) {
    auto r = client->search("idx", "{}");
    INFO("request " << i << ": " << (r ? "ok" : r.error().message));
    CHECK(r);
  }
  CHECK(live.requestsSeen() == 4);
}

TEST_CASE("a 503 from one node is retried on the next node, which answers",
          "[component][transport]") {
  FakeUpstream busy({CannedResponse{.status = 503, .body = "{}"}});
  FakeUpstream ok({CannedResponse{.body = kEmptySearch}});
  auto client = clientFor({busy.url(), ok.url()}, std::chrono::milliseconds(5000), 2);
  auto r = client->search("idx", "{}");
  REQUIRE(r);
  CHECK(r->hits.empty());
  CHECK(busy.requestsSeen() == 1);
  CHECK(ok.requestsSeen() == 1);
}

TEST_CASE("a node that takes a request and gives no answer in time is passed over after it",
          "[component][transport]") {
  // The hung node takes the first request (its round starts there): it times
  // out and is not sent again. The next requests go to the node that answers.
  FakeUpstream hung({CannedResponse{.stall = true}});
  FakeUpstream ok({CannedResponse{.body = kEmptySearch}});
  auto client = clientFor({hung.url(), ok.url()}, std::chrono::milliseconds(300), 2);
  auto first = client->search("idx", "{}");
  REQUIRE_FALSE(first);
  CHECK(first.error().cause == TransportCause::kTimeout);
  CHECK(ok.requestsSeen() == 0);
  for (int i = 0; i < 4; ++i) {
    auto r = client->search("idx", "{}");
    INFO("request " << i << ": " << (r ? "ok" : r.error().message));
    CHECK(r);
  }
  CHECK(ok.requestsSeen() == 4);
  CHECK(hung.requestsSeen() == 1);
}
