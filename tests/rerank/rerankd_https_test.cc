// rerankd and its async engine client in front of an https engine: the real
// node behind nginx terminating TLS (tests/support/tls_front.h), with a CA
// made for the run. The client checks the certificate against the CA file
// and the host (an address or a name), keeps its TLS connections alive, and
// says `tls` when the certificate is not trusted; rerankd reranks searches
// and passes other calls through over it, and answers an engine-shaped 502
// when it cannot trust the engine.
#include <catch2/catch.hpp>

// Boost 1.74's awaitable.hpp uses std::exchange without including <utility>.
#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <future>
#include <thread>

#include "rerank/async_upstream.h"
#include "tests/rerank/rerank_shop.h"
#include "tests/support/tls_front.h"

using namespace rr;
using namespace rr::testing;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

// One call of a fresh-or-kept AsyncUpstream on an io_context run by a thread
// of the test; fails the test if it outlives its deadline by 10 s.
class Client {
 public:
  explicit Client(const config::UpstreamConfig& config)
      : guard_(asio::make_work_guard(ioc_)),
        upstream_(std::make_unique<rerank::AsyncUpstream>(ioc_.get_executor(), config)),
        thread_([this] { ioc_.run(); }) {}
  ~Client() {
    upstream_.reset();
    guard_.reset();
    ioc_.stop();
    thread_.join();
  }
  rerank::AsyncUpstream& upstream() { return *upstream_; }
  connectors::Result<connectors::HttpResponse> get(const std::string& path) {
    connectors::HttpRequest request;
    request.method = "GET";
    request.path = path;
    auto future = asio::co_spawn(ioc_, upstream_->send(request, connectors::Clock::now() + 5s),
                                 asio::use_future);
    REQUIRE(future.wait_for(15s) == std::future_status::ready);
    return future.get();
  }

 private:
  asio::io_context ioc_;
  asio::executor_work_guard<asio::io_context::executor_type> guard_;
  std::unique_ptr<rerank::AsyncUpstream> upstream_;
  std::thread thread_;
};

config::UpstreamConfig upstreamFor(const std::string& url, const std::string& ca_file,
                                   bool verify = true) {
  config::UpstreamConfig config;
  config.url = url;
  config.ca_file = ca_file;
  config.tls_verify = verify;
  config.connect_timeout = 2000ms;
  return config;
}

// `yaml` (configFor's) with `upstream.ca_file: ca`.
std::string withCa(std::string yaml, const std::filesystem::path& ca) {
  const auto at = yaml.find("\n  connect_timeout_ms");
  REQUIRE(at != std::string::npos);
  return yaml.insert(at, "\n  ca_file: " + ca.string());
}

}  // namespace

TEST_CASE("the async client speaks https to the engine with the certificate checked and "
          "connections kept alive", "[rerankd][opensearch]") {
  TlsFront front(openSearchUrl());
  SECTION("trusted by the CA file, by address: the engine's own answers on one connection") {
    Client client(upstreamFor(front.url(), front.caFile()));
    REQUIRE(client.upstream().usable());
    for (int i = 0; i < 3; ++i) {
      auto r = client.get("/");
      REQUIRE(r);
      CHECK(r->status == 200);
      CHECK_THAT(r->body, Catch::Contains("\"cluster_name\""));
    }
    auto missing = client.get("/rr-no-such-index-" + std::to_string(::getpid()) + "/_search");
    REQUIRE(missing);
    CHECK(missing->status == 404);
    CHECK_THAT(missing->body, Catch::Contains("index_not_found_exception"));
    CHECK(client.upstream().connectionsOpened() == 1);
    CHECK(front.requestsPassed(4) == 4);
  }
  SECTION("a front that restarted: its closed TLS connections replaced without an error") {
    Client client(upstreamFor(front.url(), front.caFile()));
    REQUIRE(client.get("/"));
    front.restart();
    auto r = client.get("/");
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(client.upstream().connectionsOpened() == 2);
  }
  SECTION("by name: the server name sent and checked") {
    Client client(upstreamFor(front.namedUrl(), front.caFile()));
    auto r = client.get("/");
    REQUIRE(r);
    CHECK(r->status == 200);
  }
  SECTION("a certificate the CA file does not vouch for is a TLS error") {
    Client client(upstreamFor(front.url(), front.otherCaFile()));
    auto r = client.get("/");
    REQUIRE_FALSE(r);
    CHECK(r.error().cause == connectors::TransportCause::kTls);
    CHECK(r.error().code == connectors::ErrorCode::kUnavailable);
    CHECK_THAT(r.error().message, Catch::Contains("certificate verify failed"));
    CHECK(front.requestsPassed() == 0);
  }
  SECTION("nor does the system's store") {
    Client client(upstreamFor(front.url(), ""));
    auto r = client.get("/");
    REQUIRE_FALSE(r);
    CHECK(r.error().cause == connectors::TransportCause::kTls);
  }
  SECTION("unless verification is off") {
    Client client(upstreamFor(front.url(), front.otherCaFile(), /*verify=*/false));
    auto r = client.get("/");
    REQUIRE(r);
    CHECK(r->status == 200);
  }
}

TEST_CASE("rerankd in front of an https engine reranks searches and passes calls through",
          "[rerankd][opensearch]") {
  Shop shop;
  TlsFront front(openSearchUrl());
  const auto path = "/" + shop.index + "/_search";
  SECTION("with the engine's CA") {
    RerankdProcess rerankd(shop.dir, withCa(configFor(front.url(), shop.index, shop.model,
                                                      "    fields: {title: title, brand: brand}\n"),
                                            front.caFile()));
    shop.buy(rerankd, "alice", "Acme");
    const auto before = front.requestsPassed(1);  // (the purchases' items, looked up)
    const auto alice = call(rerankd.client(), "POST", path, kQuery, "", {{"X-User-Id", "alice"}});
    CHECK(alice.status == 200);
    CHECK(alice.header("X-Rerank") == "applied");
    REQUIRE(ids(alice.body).size() == 10);
    for (const auto& id : ids(alice.body)) CHECK(shop.brandOf(id) == "Acme");
    const auto doc = call(rerankd.client(), "GET", "/" + shop.index + "/_doc/" + shop.items[7].id);
    CHECK(doc.status == 200);
    CHECK_THAT(doc.body, Catch::Contains(shop.items[7].title));
    // Both went through the TLS front.
    CHECK(front.requestsPassed(before + 2) - before == 2);
  }
  SECTION("with a CA that does not vouch for it: an engine-shaped 502 naming TLS") {
    RerankdProcess rerankd(shop.dir, withCa(configFor(front.url(), shop.index, shop.model),
                                            front.otherCaFile()));
    const auto r = call(rerankd.client(), "POST", path, kQuery);
    CHECK(r.status == 502);
    CHECK_THAT(r.body, Catch::Contains("\"error\"") && Catch::Contains("TLS"));
    CHECK(front.requestsPassed() == 0);
  }
}
