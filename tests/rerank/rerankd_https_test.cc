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

#include <chrono>
#include <fstream>
#include <thread>
#include <vector>

#include "connectors/upstream_options.h"
#include "rerank/async_upstream.h"
#include "tests/rerank/async_test_client.h"
#include "tests/rerank/rerank_shop.h"
#include "tests/support/tls_front.h"

using namespace rr;
using namespace rr::testing;
using namespace std::chrono_literals;

namespace {

// The shared test client (tests/rerank/async_test_client.h) with GET calls
// of a 5 s deadline.
class Client : public AsyncTestClient {
 public:
  using AsyncTestClient::AsyncTestClient;
  Result get(const std::string& path) {
    connectors::HttpRequest request;
    request.method = "GET";
    request.path = path;
    return send(std::move(request), 5s);
  }
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

// `yaml` (configFor's) with `upstream.ca_file: ca` and any more `upstream`
// keys ("key: value" lines).
std::string withCa(std::string yaml, const std::filesystem::path& ca,
                   const std::vector<std::string>& more = {}) {
  const auto at = yaml.find("\n  connect_timeout_ms");
  REQUIRE(at != std::string::npos);
  std::string lines = "\n  ca_file: " + ca.string();
  for (const auto& line : more) lines += "\n  " + line;
  return yaml.insert(at, lines);
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

TEST_CASE("an engine that asks for a client certificate and an API key gets both from both "
          "clients and from rerankd", "[rerankd][opensearch]") {
  const std::string key = "cnItdGVzdDpzM2NyZXQ=";  // what an engine's API returns: base64 "id:key"
  TlsFront front(openSearchUrl(), {.client_cert = true, .api_key = key});
  auto guarded = upstreamFor(front.url(), front.caFile());
  guarded.client_cert = front.clientCertFile().string();
  guarded.client_key = front.clientKeyFile().string();
  guarded.api_key = key;

  SECTION("the async client: the engine's answer, and the front's refusals without either") {
    {
      Client client(guarded);
      REQUIRE(client.upstream().usable());
      auto r = client.get("/");
      REQUIRE(r);
      CHECK(r->status == 200);
      CHECK_THAT(r->body, Catch::Contains("\"cluster_name\""));
    }
    auto keyless = guarded;
    keyless.api_key.reset();
    auto r = Client(keyless).get("/");
    REQUIRE(r);
    CHECK(r->status == 401);
    auto certless = guarded;
    certless.client_cert.clear();
    certless.client_key.clear();
    r = Client(certless).get("/");
    REQUIRE(r);
    CHECK(r->status == 400);
    CHECK_THAT(r->body, Catch::Contains("No required SSL certificate was sent"));
    auto stranger = guarded;
    stranger.client_cert = front.strangerCertFile().string();
    stranger.client_key = front.strangerKeyFile().string();
    r = Client(stranger).get("/");
    REQUIRE(r);
    CHECK(r->status == 400);
    CHECK(front.requestsPassed(1) == 1);
  }
  SECTION("a key that is not the certificate's is refused naming the field") {
    CHECK(connectors::checkClientCertificate(guarded).empty());
    auto mismatched = guarded;
    mismatched.client_key = front.strangerKeyFile().string();
    CHECK(connectors::checkClientCertificate(mismatched) ==
          "upstream.client_key: " + mismatched.client_key +
              " is not the key of the certificate in " + mismatched.client_cert);
    CHECK_FALSE(Client(mismatched).upstream().usable());
    // By rerankd --check-config (and so at start and on a reload) too.
    Shop shop(/*sync_vectors=*/false);
    const auto yaml = [&](const std::filesystem::path& key_file) {
      return withCa(configFor(front.url(), shop.index, shop.model), front.caFile(),
                    {"client_cert: " + guarded.client_cert, "client_key: " + key_file.string(),
                     "api_key: " + key});
    };
    std::ofstream(shop.dir / "mismatched.yaml") << yaml(front.strangerKeyFile());
    auto [code, text] = checkConfig((shop.dir / "mismatched.yaml").string());
    CHECK(code == 1);
    CHECK_THAT(text, Catch::Contains("upstream.client_key: ") &&
                         Catch::Contains("is not the key of the certificate"));
    std::ofstream(shop.dir / "matched.yaml") << yaml(front.clientKeyFile());
    std::tie(code, text) = checkConfig((shop.dir / "matched.yaml").string());
    CHECK(code == 0);
  }
  SECTION("the libcurl client (index-sync, events' item lookups)") {
    auto client = connectors::EngineClient::create(connectors::clientOptions(guarded));
    REQUIRE(client);
    const auto ok = call(**client, "GET", "/");
    CHECK(ok.status == 200);
    CHECK_THAT(ok.body, Catch::Contains("\"cluster_name\""));
    // A caller's own Authorization header is replaced by the key.
    const auto replaced = call(**client, "GET", "/", "", "", {{"Authorization", "ApiKey wrong"}});
    CHECK(replaced.status == 200);
    auto keyless = guarded;
    keyless.api_key.reset();
    auto without = connectors::EngineClient::create(connectors::clientOptions(keyless));
    REQUIRE(without);
    CHECK(call(**without, "GET", "/").status == 401);
    CHECK(front.requestsPassed(2) == 2);
  }
  SECTION("rerankd: a shopper's search reranked, the purchases' items looked up, and the "
          "client's own credentials not forwarded") {
    Shop shop;
    RerankdProcess rerankd(
        shop.dir,
        withCa(configFor(front.url(), shop.index, shop.model,
                         "    fields: {title: title, brand: brand}\n"),
               front.caFile(),
               {"client_cert: " + guarded.client_cert, "client_key: " + guarded.client_key,
                "api_key: " + key}));
    shop.buy(rerankd, "alice", "Acme");
    // The events' item lookup went through the front with the certificate
    // and key: the profile shows each purchase's title.
    const auto profile = call(rerankd.client(), "GET", "/_rerank/users/shop/alice", "", "",
                              {{"Authorization", "Bearer test-token-0123456789"}});
    REQUIRE(profile.status == 200);
    CHECK_THAT(profile.body, Catch::Contains("\"title\":\"Acme"));
    const auto alice = call(rerankd.client(), "POST", "/" + shop.index + "/_search", kQuery, "",
                            {{"X-User-Id", "alice"}, {"Authorization", "ApiKey the-shops-own"}});
    CHECK(alice.status == 200);
    CHECK(alice.header("X-Rerank") == "applied");
    REQUIRE(ids(alice.body).size() == 10);
    for (const auto& id : ids(alice.body)) CHECK(shop.brandOf(id) == "Acme");
    const auto doc = call(rerankd.client(), "GET", "/" + shop.index + "/_doc/" + shop.items[7].id,
                          "", "", {{"Authorization", "ApiKey the-shops-own"}});
    CHECK(doc.status == 200);
  }
  SECTION("rerankd: a reload with a new API key sends it from the next search on") {
    Shop shop;
    const auto yaml = [&](const std::string& api_key) {
      return withCa(configFor(front.url(), shop.index, shop.model), front.caFile(),
                    {"client_cert: " + guarded.client_cert, "client_key: " + guarded.client_key,
                     "api_key: " + api_key});
    };
    RerankdProcess rerankd(shop.dir, yaml("d3Jvbmc6a2V5"));  // base64 "wrong:key"
    const auto search = [&] {
      return call(rerankd.client(), "POST", "/" + shop.index + "/_search", kQuery);
    };
    CHECK(search().status == 401);  // the front refuses the old key
    std::ofstream(rerankd.configPath()) << yaml(key);
    REQUIRE(call(rerankd.client(), "POST", "/_rerank/reload", "", "",
                 {{"Authorization", "Bearer test-token-0123456789"}})
                .status == 200);
    const auto after = search();
    CHECK(after.status == 200);
    CHECK(after.header("X-Rerank") == "applied");
  }
}

TEST_CASE("a cluster that refuses to list its nodes leaves rerankd on the configured one, asking "
          "again within 10 s", "[rerankd][opensearch]") {
  // A secured cluster whose rerankd user may search but not read
  // cluster:monitor/nodes/info: discovery fails, searches do not.
  Shop shop;
  TlsFront front(openSearchUrl(), {.refuse_nodes_info = true});
  RerankdProcess rerankd(
      shop.dir, withCa(configFor(front.url(), shop.index, shop.model,
                                 "    deadline_ms: 5000\n    fields: {title: title, brand: brand}\n"),
                       front.caFile(), {"discover_nodes: true"}));
  const auto wait_for = [&](long failed, std::chrono::seconds at_most) {
    const auto until = std::chrono::steady_clock::now() + at_most;
    while (std::chrono::steady_clock::now() < until && discoveries(rerankd, "failed") < failed) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return discoveries(rerankd, "failed");
  };
  CHECK(wait_for(1, std::chrono::seconds(10)) == 1);
  shop.buy(rerankd, "alice", "Acme");
  const auto r = call(rerankd.client(), "POST", "/" + shop.index + "/_search", kQuery, "",
                      {{"X-User-Id", "alice"}});
  CHECK(r.status == 200);
  CHECK(r.header("X-Rerank") == "applied");
  const auto metrics = call(rerankd.client(), "GET", "/metrics").body;
  CHECK_THAT(metrics, Catch::Contains("rerank_upstream_node_up{node=\"" + front.url() + "\"} 1"));
  CHECK(metrics.find("rerank_upstream_node_up{node=\"https://127.0.0.1:") ==
        metrics.rfind("rerank_upstream_node_up{node=\"https://127.0.0.1:"));  // that one only
  CHECK(discoveries(rerankd, "listed") == -1);
  // Asked again after a failure within 10 s, not at the 300 s interval.
  CHECK(wait_for(2, std::chrono::seconds(15)) == 2);
  CHECK(rerankd.stop() == 0);
}
