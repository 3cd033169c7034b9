// The events API end to end, with rerankd in front of the real node: what
// rerankd acknowledged survives `kill -9`, erasing a shopper removes them
// from memory and disk, and bad lines are refused while good ones are kept.
#include <signal.h>
#include <simdjson.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "tests/index_sync/sync_fixture.h"
#include "tests/rerank/rerankd_process.h"
#include "tests/support/opensearch_env.h"

using namespace rr;
using namespace rr::testing;
namespace dom = simdjson::dom;

namespace {

constexpr const char* kAdmin = "Bearer test-token-0123456789";

int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct EventsShop {
  std::unique_ptr<connectors::EngineClient> engine = openSearchClient();
  std::string index = uniqueIndexName("rerankd-events");
  IndexGuard guard{*engine, index};
  std::filesystem::path dir;
  std::string model;

  explicit EventsShop(const std::string& tag) {
    dir = std::filesystem::temp_directory_path() /
          ("rr-rerankd-events-" + tag + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    createShopIndex(*engine, index, shopItems(40));
    model = saveRandomModel(dir, "events-v1", 3);
  }

  std::string config() const {
    return "upstream:\n  url: " + openSearchUrl() +
           "\nlisten:\n  port: 0\nadmin:\n  token: test-token-0123456789\n"
           "profiles:\n  dir: " + (dir / "profiles").string() +
           "\n  max_events_per_user: 10000\n"
           "storefronts:\n  - name: shop\n    indices: [" + index + "]\n    model: " + model +
           "\n";
  }
};

std::string eventLine(const std::string& id, const std::string& user, int64_t ts,
                      const std::string& storefront = "shop") {
  return R"({"event_id":")" + id + R"(","storefront":")" + storefront + R"(","user_id":")" + user +
         R"(","type":"click","item_id":"sku-1003","ts":)" + std::to_string(ts) + "}\n";
}

connectors::Result<connectors::HttpResponse> post(RerankdProcess& r, const std::string& ndjson) {
  return r.client().raw({"POST", "/_rerank/events", "",
                         {{"Content-Type", "application/x-ndjson"}}, ndjson});
}

// The `ts` of every event in the user's profile (admin API).
std::multiset<int64_t> profileTimes(RerankdProcess& r, const std::string& user) {
  auto got = r.client().raw(
      {"GET", "/_rerank/users/shop/" + user, "", {{"Authorization", kAdmin}}, ""});
  REQUIRE(got);
  REQUIRE(got->status == 200);
  dom::parser parser;
  dom::element doc;
  REQUIRE_FALSE(parser.parse(got->body).get(doc));
  std::multiset<int64_t> out;
  for (auto e : dom::array(doc["events"])) out.insert(int64_t(e["ts"]));
  return out;
}

std::string readAll(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("kill -9 during ingestion loses no acknowledged event", "[rerankd][opensearch]") {
  EventsShop shop("kill");
  std::map<std::string, std::set<int64_t>> acked;  // user -> ts of acknowledged events
  std::size_t batches = 0;
  const int64_t base = nowMs() - 60'000;
  {
    RerankdProcess rerankd(shop.dir, shop.config());
    std::atomic<bool> stop{false};
    std::thread sender([&] {
      for (int b = 0; !stop.load(); ++b) {
        std::string lines;
        std::vector<std::pair<std::string, int64_t>> sent;
        for (int k = 0; k < 20; ++k) {
          const std::string user = "u" + std::to_string((b * 20 + k) % 40);
          const int64_t ts = base + b * 20 + k;
          lines += eventLine("e" + std::to_string(b) + "-" + std::to_string(k), user, ts);
          sent.emplace_back(user, ts);
        }
        auto r = post(rerankd, lines);
        if (!r || r->status != 200) return;  // the process is gone
        dom::parser parser;
        dom::element doc;
        if (parser.parse(r->body).get(doc)) return;  // cut off mid-answer: not acknowledged
        std::size_t i = 0;
        for (auto item : dom::array(doc["items"])) {
          if (std::string_view(item["result"]) == "accepted") acked[sent[i].first].insert(sent[i].second);
          ++i;
        }
        ++batches;
      }
    });
    // Kill it while batches are in flight.
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (batches < 30 && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    rerankd.signal(SIGKILL);
    stop = true;
    sender.join();
  }
  REQUIRE(batches >= 30);
  RerankdProcess again(shop.dir, shop.config());
  std::size_t checked = 0;
  for (const auto& [user, times] : acked) {
    const auto restored = profileTimes(again, user);
    for (int64_t ts : times) {
      INFO(user << " " << ts);
      CHECK(restored.count(ts) == 1);  // there, and once
      ++checked;
    }
  }
  CHECK(checked >= 30 * 20);
  // The ids are remembered too: resending an acknowledged batch adds nothing.
  auto resend = post(again, eventLine("e0-0", "u0", base));
  REQUIRE(resend);
  CHECK(resend->body.find("\"result\":\"duplicate\"") != std::string::npos);
}

TEST_CASE("erasing a shopper removes them from memory and disk, across restarts",
          "[rerankd][opensearch]") {
  EventsShop shop("erase");
  const int64_t t = nowMs();
  {
    RerankdProcess rerankd(shop.dir, shop.config());
    auto r = post(rerankd, eventLine("a1", "alice-7f3e", t - 2) + eventLine("a2", "alice-7f3e", t - 1) +
                               eventLine("b1", "bob", t));
    REQUIRE(r);
    REQUIRE(r->body.find("\"accepted\":3") != std::string::npos);
    CHECK(profileTimes(rerankd, "alice-7f3e").size() == 2);

    // Erasing needs the admin token.
    auto refused = rerankd.client().raw({"DELETE", "/_rerank/users/shop/alice-7f3e", "", {}, ""});
    REQUIRE(refused);
    CHECK(refused->status == 403);
    auto erased = rerankd.client().raw(
        {"DELETE", "/_rerank/users/shop/alice-7f3e", "", {{"Authorization", kAdmin}}, ""});
    REQUIRE(erased);
    CHECK(erased->status == 200);
    CHECK(profileTimes(rerankd, "alice-7f3e").empty());
    for (const auto& f : std::filesystem::directory_iterator(shop.dir / "profiles")) {
      INFO(f.path());
      CHECK(readAll(f.path()).find("alice-7f3e") == std::string::npos);
    }
    CHECK(rerankd.stop() == 0);
  }
  RerankdProcess again(shop.dir, shop.config());
  CHECK(profileTimes(again, "alice-7f3e").empty());
  CHECK(profileTimes(again, "bob").size() == 1);
}

TEST_CASE("oversize lines and unknown storefronts are refused, the other lines kept",
          "[rerankd][opensearch]") {
  EventsShop shop("lines");
  const int64_t t = nowMs();
  RerankdProcess rerankd(shop.dir, shop.config());
  const std::string huge = R"({"event_id":"big","storefront":"shop","user_id":"carol",)"
                           R"("type":"search","query":")" +
                           std::string(20000, 'x') + R"(","ts":1}
)";
  auto r = post(rerankd, eventLine("c1", "carol", t - 1) + huge +
                             eventLine("c2", "carol", t, "no-such-shop") + eventLine("c3", "carol", t));
  REQUIRE(r);
  CHECK(r->status == 200);
  dom::parser parser;
  dom::element doc;
  REQUIRE_FALSE(parser.parse(r->body).get(doc));
  CHECK(bool(doc["errors"]));
  CHECK(int64_t(doc["accepted"]) == 2);
  std::vector<std::string> results, reasons;
  for (auto item : dom::array(doc["items"])) {
    results.emplace_back(std::string_view(item["result"]));
    std::string_view reason;
    reasons.emplace_back(item["reason"].get(reason) ? "" : std::string(reason));
  }
  CHECK(results == std::vector<std::string>{"accepted", "rejected", "rejected", "accepted"});
  CHECK_THAT(reasons[1], Catch::Contains("bytes"));
  CHECK_THAT(reasons[2], Catch::Contains("no-such-shop"));
  CHECK(profileTimes(rerankd, "carol") == std::multiset<int64_t>{t - 1, t});
}
