// rerankd in front of the real OpenSearch node when things move under it:
// the engine goes away and comes back (a TCP relay between them is stopped
// and restarted on the same port), models are reloaded while shoppers keep
// searching, and SIGTERM arrives while a slow search is in flight.
#include <catch2/catch.hpp>
#include <signal.h>
#include <simdjson.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <regex>
#include <set>
#include <thread>

#include "connectors/search_response.h"
#include "tests/index_sync/sync_fixture.h"
#include "tests/rerank/rerankd_process.h"
#include "tests/rerank/tcp_relay.h"
#include "tests/support/opensearch_env.h"

using namespace rr;
using namespace rr::testing;
using Clock = std::chrono::steady_clock;

namespace {

constexpr const char* kQuery = R"({"query":{"match":{"description":"item"}},"size":10})";
constexpr const char* kAdminToken = "test-token-0123456789";

std::filesystem::path tempDir(const std::string& tag) {
  static int n = 0;
  auto dir = std::filesystem::temp_directory_path() /
             ("rr-resilience-" + tag + "-" + std::to_string(::getpid()) + "-" +
              std::to_string(++n));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

// A shop index of 50 items (no vectors: rerankd's item tower computes
// them) and two random models.
struct Shop {
  std::unique_ptr<connectors::EngineClient> engine = openSearchClient();
  std::string index = uniqueIndexName("rerank-resilience");
  IndexGuard guard{*engine, index};
  std::filesystem::path dir = tempDir("shop");
  std::string v1 = saveRandomModel(dir, "shop-v1", 1);
  std::string v2 = saveRandomModel(dir, "shop-v2", 2);

  Shop() { createShopIndex(*engine, index, shopItems(50)); }

  // The deadline is generous: these tests are about availability, and a
  // fallback to the engine's order must not hide a wrong model.
  std::string config(const std::string& upstream, const std::string& model) const {
    return "upstream:\n  url: " + upstream +
           "\n  connect_timeout_ms: 300\n  request_timeout_ms: 5000\n"
           "listen:\n  port: 0\nprofiles:\n  dir: profiles\nadmin:\n  token: " +
           std::string(kAdminToken) +
           "\nstorefronts:\n  - name: shop\n    indices: [" + index + "]\n    model: " + model +
           "\n    deadline_ms: 10000\n"
           "    fields: {title: title, description: description, brand: brand, "
           "category: category, price: price}\n";
  }
};

std::unique_ptr<connectors::EngineClient> clientFor(const std::string& url) {
  connectors::ClientOptions options;
  options.url = url;
  options.retry.max_attempts = 1;  // every failure must be seen, not retried away
  options.request_timeout = std::chrono::seconds(30);
  auto client = connectors::EngineClient::create(options);
  REQUIRE(client);
  return std::move(*client);
}

connectors::Result<connectors::HttpResponse> search(connectors::EngineClient& c,
                                                    const std::string& index) {
  return c.raw({"POST", "/" + index + "/_search", "", {{"Content-Type", "application/json"}},
                kQuery});
}

connectors::HttpResponse call(connectors::EngineClient& c, std::string method, std::string path,
                              std::vector<connectors::Header> headers = {}) {
  auto r = c.raw({std::move(method), std::move(path), "", std::move(headers), ""});
  if (!r) FAIL("call failed: " << r.error().message);
  return *r;
}

std::size_t hitCount(const std::string& body) {
  auto parsed = connectors::parseSearchResponse(body);
  if (!parsed) return 0;
  return parsed->hits.size();
}

// `{"error":{"type":T,"reason":R,...},"status":N}` with N the HTTP status:
// what the engine itself answers, so clients' error handling applies.
void checkEngineShapedError(const connectors::HttpResponse& r) {
  INFO(r.body);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  REQUIRE(parser.parse(r.body).get(doc) == simdjson::SUCCESS);
  std::string_view type, reason;
  int64_t status = 0;
  CHECK(doc["error"]["type"].get(type) == simdjson::SUCCESS);
  CHECK(type == "rerank_upstream_exception");
  CHECK(doc["error"]["reason"].get(reason) == simdjson::SUCCESS);
  CHECK(!reason.empty());
  CHECK(doc["status"].get(status) == simdjson::SUCCESS);
  CHECK(status == r.status);
  CHECK(r.header("Content-Type").starts_with("application/json"));
}

int64_t upstreamErrors(RerankdProcess& rerankd, const std::string& cause) {
  const auto metrics = call(rerankd.client(), "GET", "/metrics").body;
  std::smatch m;
  const std::regex line("rerank_upstream_errors_total\\{cause=\"" + cause + "\"\\} ([0-9]+)");
  return std::regex_search(metrics, m, line) ? std::stoll(m[1].str()) : 0;
}

}  // namespace

TEST_CASE("an engine that goes away gets quick engine-shaped errors and is used again when "
          "it is back", "[rerankd][opensearch]") {
  Shop shop;
  TcpRelay relay(openSearchUrl());
  relay.start();
  RerankdProcess rerankd(shop.dir, shop.config(relay.url(), shop.v1));
  auto& client = rerankd.client();

  // Up: kept-alive connections from rerankd to the engine exist through the
  // relay when it goes away.
  {
    auto r = search(client, shop.index);
    REQUIRE(r);
    REQUIRE(r->status == 200);
    REQUIRE(r->header("X-Rerank") == "applied");
    REQUIRE(call(client, "GET", "/" + shop.index + "/_count").status == 200);
  }
  const long accepted_before = relay.connectionsAccepted();
  REQUIRE(accepted_before >= 1);
  const int port = relay.port();

  relay.stop();
  const auto refused_before = upstreamErrors(rerankd, "connection_refused");
  {
    // The rerank path and the passthrough both answer at once, with the
    // engine's error shape; 502: the connection was refused.
    const auto t0 = Clock::now();
    auto searched = search(client, shop.index);
    const auto t1 = Clock::now();
    REQUIRE(searched);
    CHECK(searched->status == 502);
    checkEngineShapedError(*searched);
    CHECK(t1 - t0 < std::chrono::seconds(5));  // it does not hang

    const auto counted = call(client, "GET", "/" + shop.index + "/_count");
    CHECK(counted.status == 502);
    checkEngineShapedError(counted);

    CHECK(call(client, "GET", "/_rerank/ready").status == 503);
    CHECK(upstreamErrors(rerankd, "connection_refused") == refused_before + 2);
  }

  relay.start();
  REQUIRE(relay.port() == port);
  // The very next search goes through, on the same rerankd process.
  auto back = search(client, shop.index);
  REQUIRE(back);
  CHECK(back->status == 200);
  CHECK(back->header("X-Rerank") == "applied");
  CHECK(back->header("X-Rerank-Model") == "shop-v1");
  CHECK(hitCount(back->body) == 10);
  CHECK(relay.connectionsAccepted() > accepted_before);  // a new connection to the engine
  CHECK(call(client, "GET", "/" + shop.index + "/_count").status == 200);
  CHECK(call(client, "GET", "/_rerank/ready").status == 200);
  CHECK(rerankd.stop() == 0);
}

TEST_CASE("a search in flight when the engine goes away gets an engine-shaped 503, not a hang",
          "[rerankd][opensearch]") {
  Shop shop;
  TcpRelay relay(openSearchUrl());
  relay.start();
  RerankdProcess rerankd(shop.dir, shop.config(relay.url(), shop.v1));
  {
    auto warm = search(rerankd.client(), shop.index);
    REQUIRE(warm);
    REQUIRE(warm->status == 200);
  }
  // The engine's answer is held longer than the test waits for it.
  relay.delayReplies(std::chrono::seconds(30));
  const long from_clients = relay.bytesFromClients();
  const auto errors = [&] {
    return upstreamErrors(rerankd, "connection_reset") +
           upstreamErrors(rerankd, "connection_refused");
  };
  const auto errors_before = errors();

  connectors::Result<connectors::HttpResponse> cut = std::unexpected(connectors::Error{});
  auto shopper_client = clientFor(rerankd.url());
  std::jthread shopper([&] { cut = search(*shopper_client, shop.index); });
  const auto until = Clock::now() + std::chrono::seconds(10);
  while (relay.bytesFromClients() == from_clients && Clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const bool in_flight = relay.bytesFromClients() > from_clients;
  relay.stop();  // the engine's side of that search's connection closes
  const auto stopped_at = Clock::now();
  shopper.join();
  const auto waited = Clock::now() - stopped_at;
  REQUIRE(in_flight);

  REQUIRE(cut);
  // 503 (the connection dropped) or 502 (libcurl retried a dropped reused
  // connection once and was refused); not 504: rerankd did not wait for
  // upstream.request_timeout_ms.
  CHECK((cut->status == 503 || cut->status == 502));
  checkEngineShapedError(*cut);
  CHECK(waited < std::chrono::seconds(5));
  CHECK(errors() == errors_before + 1);

  relay.delayReplies(std::chrono::milliseconds(0));
  relay.start();
  auto back = search(rerankd.client(), shop.index);
  REQUIRE(back);
  CHECK(back->status == 200);
  CHECK(back->header("X-Rerank") == "applied");
  CHECK(rerankd.stop() == 0);
}

namespace {

// One search as a client thread saw it. `epoch_lo`: reloads completed
// before it was sent; `epoch_hi`: reloads started before its answer came.
struct Observed {
  bool transport_ok = false;
  int status = 0;
  std::string rerank, model, error;
  std::size_t hits = 0;
  int epoch_lo = 0, epoch_hi = 0;
};

// The model each epoch serves: epoch 0 is the starting config, reload k
// switches to v2 when k is odd and back to v1 when it is even.
std::string modelOfEpoch(int epoch) { return epoch % 2 == 0 ? "shop-v1" : "shop-v2"; }

}  // namespace

TEST_CASE("reloads swap models under continuous searches without failing one",
          "[rerankd][opensearch]") {
  Shop shop;
  RerankdProcess rerankd(shop.dir, shop.config(openSearchUrl(), shop.v1));
  constexpr int kClients = 4;
  constexpr int kReloads = 20;
  std::atomic<int> started{0}, completed{0};
  std::vector<std::vector<Observed>> seen(kClients);
  std::vector<std::unique_ptr<connectors::EngineClient>> clients;
  for (int i = 0; i < kClients; ++i) clients.push_back(clientFor(rerankd.url()));

  // Catch2 assertions are not thread-safe: the clients record, the test
  // checks after joining them (also when a REQUIRE below throws).
  std::vector<std::jthread> threads;
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i](std::stop_token stop) {
      while (!stop.stop_requested()) {
        Observed o;
        o.epoch_lo = completed.load();
        auto r = search(*clients[i], shop.index);
        o.epoch_hi = started.load();
        o.transport_ok = r.has_value();
        if (r) {
          o.status = r->status;
          o.rerank = std::string(r->header("X-Rerank"));
          o.model = std::string(r->header("X-Rerank-Model"));
          o.hits = hitCount(r->body);
        } else {
          o.error = r.error().message;
        }
        seen[i].push_back(std::move(o));
      }
    });
  }

  const std::vector<connectors::Header> admin = {
      {"Authorization", std::string("Bearer ") + kAdminToken}};
  auto probe = clientFor(rerankd.url());
  for (int k = 1; k <= kReloads; ++k) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // searches in every epoch
    // Written whole, then renamed: a reload never reads half a file.
    const auto next = rerankd.configPath().string() + ".next";
    std::ofstream(next) << shop.config(openSearchUrl(), k % 2 == 1 ? shop.v2 : shop.v1);
    std::filesystem::rename(next, rerankd.configPath());
    started = k;
    if (k % 2 == 1) {
      // The admin call answers once the new runtime serves.
      const auto r = call(rerankd.client(), "POST", "/_rerank/reload", admin);
      CHECK(r.status == 200);
    } else {
      // SIGHUP is asynchronous: done once a search is scored by the new model.
      rerankd.signal(SIGHUP);
      const auto until = Clock::now() + std::chrono::seconds(10);
      std::string model;
      while (Clock::now() < until) {
        auto r = search(*probe, shop.index);
        model = r ? std::string(r->header("X-Rerank-Model")) : "";
        if (model == modelOfEpoch(k)) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      CHECK(model == modelOfEpoch(k));
    }
    completed = k;
    auto after = search(*probe, shop.index);
    REQUIRE(after);
    CHECK(after->header("X-Rerank-Model") == modelOfEpoch(k));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  threads.clear();  // stop and join

  std::size_t total = 0, swaps = 0;
  std::set<std::string> models;
  for (int i = 0; i < kClients; ++i) {
    INFO("client " << i);
    CHECK(seen[i].size() >= 20);  // it kept searching throughout
    std::string last;
    for (const auto& o : seen[i]) {
      ++total;
      INFO("epochs " << o.epoch_lo << ".." << o.epoch_hi << ": " << o.error);
      REQUIRE(o.transport_ok);
      REQUIRE(o.status == 200);
      REQUIRE(o.rerank == "applied");
      REQUIRE(o.hits == 10);
      // Scored by the model of a config that was live while it ran: the old
      // one until its reload, the new one after.
      bool live = false;
      for (int e = o.epoch_lo; e <= o.epoch_hi; ++e) live = live || o.model == modelOfEpoch(e);
      INFO("model " << o.model);
      REQUIRE(live);
      if (!last.empty() && o.model != last) ++swaps;
      last = o.model;
      models.insert(o.model);
    }
  }
  CHECK(models == std::set<std::string>{"shop-v1", "shop-v2"});
  CHECK(swaps >= kReloads);  // each client followed the swaps back and forth

  CHECK(rerankd.stop() == 0);
  // Kept-alive connections survived every reload: one per client thread,
  // plus the test's own two clients.
  std::ifstream in(rerankd.configPath().parent_path() / "stdout.log");
  const std::string log((std::istreambuf_iterator<char>(in)), {});
  std::set<std::string> remotes;
  std::size_t logged = 0;
  const std::regex remote("\"remote\":\"([^\"]+)\"");
  for (auto it = std::sregex_iterator(log.begin(), log.end(), remote); it != std::sregex_iterator();
       ++it) {
    remotes.insert((*it)[1].str());
    ++logged;
  }
  CHECK(logged >= total);  // every client search is in the log
  CHECK(remotes.size() >= kClients);
  CHECK(remotes.size() <= kClients + 2);
}

TEST_CASE("SIGTERM lets a slow search in flight finish, then rerankd exits 0",
          "[rerankd][opensearch]") {
  Shop shop;
  TcpRelay relay(openSearchUrl());
  relay.start();
  RerankdProcess rerankd(shop.dir, shop.config(relay.url(), shop.v1));
  {
    auto warm = search(rerankd.client(), shop.index);
    REQUIRE(warm);
    REQUIRE(warm->status == 200);
  }
  relay.delayReplies(std::chrono::milliseconds(2000));

  connectors::Result<connectors::HttpResponse> slow = std::unexpected(connectors::Error{});
  auto slow_client = clientFor(rerankd.url());
  std::jthread shopper([&] { slow = search(*slow_client, shop.index); });

  // The engine has answered the search and the relay holds the answer:
  // rerankd is waiting for it.
  const auto until = Clock::now() + std::chrono::seconds(10);
  while (relay.bytesHeld() == 0 && Clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const bool in_flight = relay.bytesHeld() > 0;
  rerankd.signal(SIGTERM);
  // While it drains, rerankd takes no new request: a fresh connection is
  // refused (or closed unanswered) before the slow search is answered.
  bool refused = false;
  const auto refuse_until = Clock::now() + std::chrono::seconds(1);
  while (!refused && Clock::now() < refuse_until) {
    auto late = clientFor(rerankd.url());
    refused = !late->raw({"GET", "/_rerank/health", "", {}, ""}).has_value();
    if (!refused) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const bool refused_while_draining = refused && relay.bytesHeld() > 0;
  shopper.join();
  CHECK(in_flight);  // SIGTERM came before the engine's answer reached rerankd
  CHECK(refused_while_draining);

  REQUIRE(slow);
  CHECK(slow->status == 200);
  CHECK(slow->header("X-Rerank") == "applied");
  CHECK(hitCount(slow->body) == 10);
  CHECK(rerankd.stop() == 0);
}
