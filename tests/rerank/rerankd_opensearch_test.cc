// rerankd in front of the real OpenSearch node: health and metrics, the
// passthrough (unchanged status, headers, body), the allowlist, the engine's
// own errors, upstream failures, config checks and reloads.
#include <catch2/catch.hpp>

#include <chrono>
#include <future>
#include <thread>
#include <vector>

#include "tests/rerank/raw_http.h"
#include "tests/rerank/rerankd_opensearch_support.h"

using namespace rr;
using namespace rr::testing;

namespace {

struct Fixture {
  std::unique_ptr<connectors::EngineClient> engine = openSearchClient();
  std::string index = uniqueIndexName("rerankd");
  IndexGuard guard{*engine, index};
  std::filesystem::path dir = tempDir("main");
  std::string model = saveRandomModel(dir, "shop-v1", 1);

  Fixture() { createShopIndex(*engine, index, shopItems(50)); }

  // rerankd in front of an engine that accepts connections and never
  // answers (`silent`), with a 300 ms connect timeout; `listen` adds to the
  // listen section.
  std::string stalledConfig(const SilentListener& silent, int request_timeout_ms,
                            const std::string& listen = "") const {
    return "upstream:\n  url: " + silent.url() +
           "\n  connect_timeout_ms: 300\n  request_timeout_ms: " +
           std::to_string(request_timeout_ms) + "\nlisten:\n  port: 0\n" + listen +
           "storefronts:\n  - name: shop\n    indices: [" + index + "]\n    model: " + model +
           "\n";
  }
};

}  // namespace

TEST_CASE("rerankd answers health, readiness and metrics", "[rerankd][opensearch]") {
  Fixture f;
  RerankdProcess rerankd(f.dir, configFor(openSearchUrl(), f.index, f.model));
  const auto health = call(rerankd.client(), "GET", "/_rerank/health");
  CHECK(health.status == 200);
  CHECK(health.body == R"({"status":"ok"})");
  const auto ready = call(rerankd.client(), "GET", "/_rerank/ready");
  CHECK(ready.status == 200);
  CHECK(ready.body.find("\"ready\":true") != std::string::npos);
  call(rerankd.client(), "GET", "/" + f.index + "/_count");
  const auto metrics = call(rerankd.client(), "GET", "/metrics");
  CHECK(metrics.status == 200);
  CHECK(metrics.header("Content-Type").starts_with("text/plain"));
  CHECK(metrics.body.find("rerank_requests_total{storefront=\"shop\",outcome=\"passthrough\"") !=
        std::string::npos);
  CHECK(metrics.body.find("rerank_model_info{storefront=\"shop\",version=\"shop-v1\"} 1") !=
        std::string::npos);
  CHECK(metrics.body.find("rerank_stage_seconds_bucket{storefront=\"shop\",stage=\"upstream\"") !=
        std::string::npos);
}

TEST_CASE("allowed APIs pass through with the engine's status, headers and body",
          "[rerankd][opensearch]") {
  Fixture f;
  RerankdProcess rerankd(f.dir, configFor(openSearchUrl(), f.index, f.model));
  SECTION("a document GET is byte-identical") {
    const auto direct = call(*f.engine, "GET", "/" + f.index + "/_doc/sku-1007");
    const auto proxied = call(rerankd.client(), "GET", "/" + f.index + "/_doc/sku-1007");
    CHECK(proxied.status == 200);
    CHECK(proxied.body == direct.body);
    CHECK(proxied.header("Content-Type") == direct.header("Content-Type"));
  }
  SECTION("a search sorted by price comes back as the engine wrote it") {
    const std::string body = R"({"size":5,"sort":[{"price":"desc"}],"query":{"match":{"title":"Acme"}}})";
    const auto direct = call(*f.engine, "POST", "/" + f.index + "/_search", body);
    const auto proxied = call(rerankd.client(), "POST", "/" + f.index + "/_search", body);
    CHECK(proxied.status == 200);
    CHECK(withoutTook(proxied.body) == withoutTook(direct.body));
  }
  SECTION("a HEAD (a client's ping) gets the engine's status and headers, no body") {
    const auto direct = call(*f.engine, "HEAD", "/");
    const auto proxied = call(rerankd.client(), "HEAD", "/");
    CHECK(direct.status == 200);
    CHECK(proxied.status == 200);  // not a 504 from waiting on a body that never comes
    CHECK(proxied.body.empty());
    CHECK(proxied.header("Content-Type") == direct.header("Content-Type"));
  }
  SECTION("an unknown index gets the engine's own 404") {
    const auto direct = call(*f.engine, "GET", "/no-such-index-rr/_search");
    const auto proxied = call(rerankd.client(), "GET", "/no-such-index-rr/_search");
    CHECK(proxied.status == 404);
    CHECK(proxied.body == direct.body);
    CHECK(proxied.body.find("index_not_found_exception") != std::string::npos);
  }
}

TEST_CASE("an API outside the allowlist is refused with an engine-shaped 403",
          "[rerankd][opensearch]") {
  Fixture f;
  RerankdProcess rerankd(f.dir, configFor(openSearchUrl(), f.index, f.model));
  const auto refused = call(rerankd.client(), "DELETE", "/" + f.index);
  CHECK(refused.status == 403);
  CHECK(refused.body.find(R"({"error":{"root_cause":[{"type":"security_exception")") == 0);
  CHECK(refused.body.find("\"status\":403}") != std::string::npos);
  auto exists = f.engine->indexExists(f.index);
  REQUIRE(exists);
  CHECK(*exists);  // nothing reached the engine
  const auto put = call(rerankd.client(), "PUT", "/" + f.index + "/_doc/x", R"({"title":"x"})");
  CHECK(put.status == 403);
}

TEST_CASE("an _msearch whose last header has no search gets the engine's own answer, or an "
          "engine-shaped 502 when the engine is away", "[rerankd][opensearch]") {
  // rerankd does not judge a batch it cannot pair up: the engine does (here
  // a 400 for the broken header; a last header alone it would ignore).
  Fixture f;
  const std::string path = "/" + f.index + "/_msearch";
  const std::string odd = "{}\n{\"query\":{\"match_all\":{}}}\n{\"index\":\n";
  const auto post = [&](connectors::EngineClient& client) {
    auto r = client.raw({"POST", path, "", {{"Content-Type", "application/x-ndjson"}}, odd});
    REQUIRE(r);
    return *r;
  };
  const auto direct = post(*f.engine);
  REQUIRE(direct.status == 400);
  {
    RerankdProcess rerankd(f.dir, configFor(openSearchUrl(), f.index, f.model));
    const auto r = post(rerankd.client());
    CHECK(r.status == 400);
    CHECK(r.body == direct.body);
  }
  RerankdProcess away(
      f.dir, configFor("http://127.0.0.1:" + std::to_string(closedPort()), f.index, f.model));
  const auto r = post(away.client());
  CHECK(r.status == 502);
  CHECK_THAT(r.body, Catch::StartsWith(
                         R"({"error":{"root_cause":[{"type":"rerank_upstream_exception")"));
}

TEST_CASE("broken requests through rerankd to the real engine get its answers or rerankd's, "
          "never a 500", "[rerankd][opensearch]") {
  Fixture f;
  RerankdProcess rerankd(f.dir, configFor(openSearchUrl(), f.index, f.model));
  const int port = std::stoi(rerankd.url().substr(rerankd.url().rfind(':') + 1));
  checkBrokenRequests(port, f.index, "GET /_rerank/health HTTP/1.1\r\nHost: x\r\n\r\n", 71);
  CHECK(call(rerankd.client(), "GET", "/_rerank/health").status == 200);
  CHECK(rerankd.stop() == 0);
}

TEST_CASE("an engine that does not answer gets a quick engine-shaped 502",
          "[rerankd][opensearch]") {
  Fixture f;
  RerankdProcess rerankd(
      f.dir, configFor("http://127.0.0.1:" + std::to_string(closedPort()), f.index, f.model));
  const auto start = std::chrono::steady_clock::now();
  const auto r = call(rerankd.client(), "GET", "/" + f.index + "/_search");
  const auto took = std::chrono::steady_clock::now() - start;
  CHECK(r.status == 502);
  CHECK(r.body.find("rerank_upstream_exception") != std::string::npos);
  CHECK(took < std::chrono::seconds(2));  // well inside, not a timing assertion on speed
  const auto ready = call(rerankd.client(), "GET", "/_rerank/ready");
  CHECK(ready.status == 503);
}

TEST_CASE("a stalled engine gets a 504 once the request timeout passes",
          "[rerankd][opensearch]") {
  Fixture f;
  SilentListener silent;
  RerankdProcess rerankd(f.dir, f.stalledConfig(silent, /*request_timeout_ms=*/500));
  const auto r = call(rerankd.client(), "GET", "/" + f.index + "/_count");
  CHECK(r.status == 504);
}

TEST_CASE("readiness answers while every worker waits on a stalled engine",
          "[rerankd][opensearch]") {
  // Events look their items up in the engine from the worker pool (4
  // workers with one I/O thread). Six posts hold them all until the request
  // timeout; readiness asks the engine from an I/O thread, so its answer
  // (503, the engine gives none within twice the connect timeout) comes
  // while every post is still waiting.
  Fixture f;
  SilentListener silent;
  RerankdProcess rerankd(f.dir, f.stalledConfig(silent, /*request_timeout_ms=*/4000,
                                                "  threads: 1\n"));
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  std::vector<std::future<connectors::HttpResponse>> posts;
  for (int k = 0; k < 6; ++k) {
    posts.push_back(std::async(std::launch::async, [&rerankd, k, now_ms] {
      const std::string line = R"({"event_id":"e)" + std::to_string(k) +
                               R"(","storefront":"shop","user_id":"u)" + std::to_string(k) +
                               R"(","type":"click","item_id":"sku-)" + std::to_string(1000 + k) +
                               R"(","ts":)" + std::to_string(now_ms) + "}\n";
      return call(rerankd.client(), "POST", "/_rerank/events", line, "",
                  {{"Content-Type", "application/x-ndjson"}});
    }));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the posts reach the workers
  const auto ready = call(rerankd.client(), "GET", "/_rerank/ready");
  CHECK(ready.status == 503);
  CHECK_THAT(ready.body, Catch::Contains("\"ready\":false"));
  for (auto& post : posts) {
    CHECK(post.wait_for(std::chrono::seconds(0)) == std::future_status::timeout);
  }
  // The posts are still accepted: an item's text is looked up again later.
  for (auto& post : posts) {
    const auto r = post.get();
    CHECK(r.status == 200);
    CHECK_THAT(r.body, Catch::Contains("\"accepted\":1"));
  }
}

TEST_CASE("rerankd --check-config names the bad field and exits non-zero", "[rerankd][opensearch]") {
  Fixture f;
  const auto bad = f.dir / "bad.yaml";
  std::ofstream(bad) << configFor(openSearchUrl(), f.index, f.model, "    window: 5000\n");
  auto [code, text] = checkConfig(bad.string());
  CHECK(code == 1);
  CHECK_THAT(text, Catch::Contains("storefronts[0].window"));
  const auto missing_model = f.dir / "nomodel.yaml";
  std::ofstream(missing_model) << configFor(openSearchUrl(), f.index, "missing.rrm");
  std::tie(code, text) = checkConfig(missing_model.string());
  CHECK(code == 1);
  CHECK_THAT(text, Catch::Contains("storefronts[shop].model"));
  const auto good = f.dir / "good.yaml";
  std::ofstream(good) << configFor(openSearchUrl(), f.index, f.model);
  std::tie(code, text) = checkConfig(good.string());
  CHECK(code == 0);
}

TEST_CASE("a reload swaps the model, and a bad reload is refused while the old one serves",
          "[rerankd][opensearch]") {
  Fixture f;
  RerankdProcess rerankd(f.dir, configFor(openSearchUrl(), f.index, f.model));
  const std::vector<connectors::Header> admin = {{"Authorization", "Bearer test-token-0123456789"}};
  const auto version = [&] {
    const auto m = call(rerankd.client(), "GET", "/metrics").body;
    std::smatch match;
    REQUIRE(std::regex_search(m, match, std::regex("version=\"([^\"]+)\"")));
    return match[1].str();
  };
  CHECK(version() == "shop-v1");
  CHECK(call(rerankd.client(), "POST", "/_rerank/reload").status == 403);  // no token

  const auto v2 = saveRandomModel(f.dir, "shop-v2", 2);
  std::ofstream(rerankd.configPath()) << configFor(openSearchUrl(), f.index, v2);
  const auto ok = call(rerankd.client(), "POST", "/_rerank/reload", "", "", admin);
  CHECK(ok.status == 200);
  CHECK(version() == "shop-v2");

  std::ofstream(rerankd.configPath()) << configFor(openSearchUrl(), f.index, v2, "    windw: 3\n");
  const auto refused = call(rerankd.client(), "POST", "/_rerank/reload", "", "", admin);
  CHECK(refused.status == 400);
  CHECK_THAT(refused.body, Catch::Contains("windw"));
  CHECK(version() == "shop-v2");
  CHECK(call(rerankd.client(), "GET", "/" + f.index + "/_count").status == 200);

  // SIGHUP does the same as the admin call.
  const auto v3 = saveRandomModel(f.dir, "shop-v3", 3);
  std::ofstream(rerankd.configPath()) << configFor(openSearchUrl(), f.index, v3);
  rerankd.signal(SIGHUP);
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (version() != "shop-v3" && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(version() == "shop-v3");
  CHECK(rerankd.stop() == 0);  // SIGTERM: a clean drain
}

TEST_CASE("the access log has a JSON line per request with the user id hashed",
          "[rerankd][opensearch]") {
  Fixture f;
  RerankdProcess rerankd(f.dir, configFor(openSearchUrl(), f.index, f.model));
  call(rerankd.client(), "GET", "/" + f.index + "/_count", "", "", {{"X-User-Id", "alice@example.com"}});
  CHECK(rerankd.stop() == 0);
  std::ifstream in(f.dir / "stdout.log");
  std::string text((std::istreambuf_iterator<char>(in)), {});
  CHECK(text.find("\"path\":\"/" + f.index + "/_count\"") != std::string::npos);
  CHECK(text.find("\"storefront\":\"shop\"") != std::string::npos);  // its index's storefront
  CHECK(text.find("alice") == std::string::npos);
  CHECK(std::regex_search(text, std::regex("\"user\":\"[0-9a-f]{16}\"")));
}
