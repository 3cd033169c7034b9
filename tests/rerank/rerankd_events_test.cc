// The events API end to end, with rerankd in front of the real node: what
// rerankd acknowledged survives `kill -9`, erasing a shopper removes them
// from memory and disk, and bad lines are refused while good ones are kept.
#include <signal.h>
#include <simdjson.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
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

// A click on `item`.
std::string eventLine(const std::string& id, const std::string& user, int64_t ts,
                      const std::string& storefront = "shop", const std::string& item = "sku-1003") {
  return R"({"event_id":")" + id + R"(","storefront":")" + storefront + R"(","user_id":")" + user +
         R"(","type":"click","item_id":")" + item + R"(","ts":)" + std::to_string(ts) + "}\n";
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

    std::string before;
    for (const auto& f : std::filesystem::directory_iterator(shop.dir / "activity" / "shop")) {
      before += readAll(f.path());
    }
    REQUIRE(before.find("alice-7f3e") != std::string::npos);  // recorded, to be erased
    // Erasing needs the admin token.
    auto refused = rerankd.client().raw({"DELETE", "/_rerank/users/shop/alice-7f3e", "", {}, ""});
    REQUIRE(refused);
    CHECK(refused->status == 403);
    // A wrong token of the right length, and the right one cut short.
    std::string wrong = kAdmin;
    wrong.back() = wrong.back() == 'x' ? 'y' : 'x';
    for (const std::string& token : {wrong, std::string(kAdmin).substr(0, 20)}) {
      auto guessed = rerankd.client().raw(
          {"DELETE", "/_rerank/users/shop/alice-7f3e", "", {{"Authorization", token}}, ""});
      REQUIRE(guessed);
      CHECK(guessed->status == 403);
    }
    auto erased = rerankd.client().raw(
        {"DELETE", "/_rerank/users/shop/alice-7f3e", "", {{"Authorization", kAdmin}}, ""});
    REQUIRE(erased);
    CHECK(erased->status == 200);
    CHECK(profileTimes(rerankd, "alice-7f3e").empty());
    for (const auto& f : std::filesystem::directory_iterator(shop.dir / "profiles")) {
      INFO(f.path());
      CHECK(readAll(f.path()).find("alice-7f3e") == std::string::npos);
    }
    // Nor in the activity log, where bob's event stays.
    std::string activity;
    for (const auto& f : std::filesystem::directory_iterator(shop.dir / "activity" / "shop")) {
      activity += readAll(f.path());
    }
    CHECK(activity.find("alice-7f3e") == std::string::npos);
    CHECK(activity.find("\"user\":\"bob\"") != std::string::npos);
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

// The index's count of searches run on it (its one shard's query phases).
int64_t searchesOn(connectors::EngineClient& engine, const std::string& index) {
  auto got = engine.raw({"GET", "/" + index + "/_stats/search", "", {}, ""});
  REQUIRE(got);
  REQUIRE(got->status == 200);
  dom::parser parser;
  dom::element doc;
  REQUIRE_FALSE(parser.parse(got->body).get(doc));
  return int64_t(doc["indices"][index]["primaries"]["search"]["query_total"]);
}

TEST_CASE("a POST's new items are looked up in one engine search and each event keeps "
          "its own item's text", "[rerankd][opensearch]") {
  EventsShop shop("texts");
  const auto items = shopItems(40);
  RerankdProcess rerankd(shop.dir, shop.config() +
                                       "    fields: {title: title, brand: brand, "
                                       "category: category, price: price}\n");
  const int64_t t = nowMs() - 100000;
  auto click = [](const std::string& id, const std::string& item, int64_t ts) {
    return eventLine(id, "dave", ts, "shop", item);
  };
  // One search run directly: what a single search adds to the count.
  const int64_t before_direct = searchesOn(*shop.engine, shop.index);
  REQUIRE(shop.engine->search(shop.index, R"({"size":1,"query":{"match_all":{}}})"));
  const int64_t one_search = searchesOn(*shop.engine, shop.index) - before_direct;
  REQUIRE(one_search >= 1);

  // 30 items never seen, one of them twice, and one the catalog lacks.
  std::string batch;
  std::map<int64_t, std::string> item_at;  // ts -> item id
  for (int i = 0; i < 30; ++i) {
    batch += click("d" + std::to_string(i), items[i].id, t + i);
    item_at[t + i] = items[i].id;
  }
  batch += click("d-again", items[0].id, t + 30);
  item_at[t + 30] = items[0].id;
  batch += click("d-missing", "sku-not-in-catalog", t + 31);
  item_at[t + 31] = "sku-not-in-catalog";
  const int64_t before = searchesOn(*shop.engine, shop.index);
  auto r = post(rerankd, batch);
  REQUIRE(r);
  REQUIRE(r->status == 200);
  CHECK(searchesOn(*shop.engine, shop.index) - before == one_search);

  // Each event carries its own item's text; the missing item none.
  auto profile = [&] {
    auto got = rerankd.client().raw(
        {"GET", "/_rerank/users/shop/dave", "", {{"Authorization", kAdmin}}, ""});
    REQUIRE(got);
    REQUIRE(got->status == 200);
    return got->body;
  };
  const std::string body = profile();
  dom::parser parser;
  dom::element doc;
  REQUIRE_FALSE(parser.parse(body).get(doc));
  std::size_t seen = 0;
  for (auto e : dom::array(doc["events"])) {
    const std::string item_id{std::string_view(e["item_id"])};
    REQUIRE(item_at.at(int64_t(e["ts"])) == item_id);
    ++seen;
    dom::element text;
    if (item_id == "sku-not-in-catalog") {
      CHECK(e["item"].get(text) == simdjson::NO_SUCH_FIELD);
      continue;
    }
    REQUIRE_FALSE(e["item"].get(text));
    const auto& want = *std::find_if(items.begin(), items.end(),
                                     [&](const ShopItem& it) { return it.id == item_id; });
    CHECK(std::string_view(text["title"]) == want.title);
    CHECK(std::string_view(text["brand"]) == want.brand);
    CHECK(std::string_view(text["category"]) == want.category);
    CHECK(double(text["price"]) == want.price);
  }
  CHECK(seen == item_at.size());

  // Items already looked up are not asked for again; a new one is, alone.
  const int64_t before_cached = searchesOn(*shop.engine, shop.index);
  REQUIRE(post(rerankd, click("e1", items[3].id, t + 40) + click("e2", items[7].id, t + 41)));
  CHECK(searchesOn(*shop.engine, shop.index) == before_cached);
  REQUIRE(post(rerankd, click("e3", items[35].id, t + 42) + click("e4", items[3].id, t + 43)));
  CHECK(searchesOn(*shop.engine, shop.index) - before_cached == one_search);
}

TEST_CASE("A/B buckets: control gets the engine's order, both are recorded, and "
          "rerank-eval --online reports each bucket", "[rerankd][opensearch]") {
  EventsShop shop("ab");
  const std::string config = shop.config() +
                             "    fields: {title: title, description: description, brand: brand, "
                             "category: category, price: price}\n"
                             "    ab_test: {treatment_percent: 50, salt: test}\n";
  RerankdProcess rerankd(shop.dir, config);
  const std::string path = "/" + shop.index + "/_search";
  const std::string query = R"({"query":{"match":{"description":"item"}},"size":5})";
  auto direct = shop.engine->raw({"POST", path, "", {{"Content-Type", "application/json"}}, query});
  REQUIRE(direct);
  std::map<std::string, int> served;
  std::vector<std::pair<std::string, std::string>> clicks;  // user, request id
  std::vector<std::string> clicked_items;  // the first hit of the page clicked from
  dom::parser parser;
  for (int i = 0; i < 40; ++i) {
    const std::string user = "shopper-" + std::to_string(i);
    auto r = rerankd.client().raw({"POST", path, "",
                                   {{"Content-Type", "application/json"}, {"X-User-Id", user}},
                                   query});
    REQUIRE(r);
    REQUIRE(r->status == 200);
    const std::string bucket(r->header("X-Rerank-Bucket"));
    REQUIRE((bucket == "treatment" || bucket == "control"));
    ++served[bucket];
    const std::string request_id(r->header("X-Rerank-Request-Id"));
    CHECK(request_id.size() == 16);
    if (bucket == "control") {
      CHECK(r->header("X-Rerank") == "skipped; reason=ab_control");
      CHECK(r->body.substr(r->body.find("\"hits\"")) ==
            direct->body.substr(direct->body.find("\"hits\"")));  // the engine's own page
    } else {
      CHECK(r->header("X-Rerank") == "applied");
    }
    // The same shopper stays in the same bucket.
    auto again = rerankd.client().raw({"POST", path, "",
                                       {{"Content-Type", "application/json"}, {"X-User-Id", user}},
                                       query});
    REQUIRE(again);
    CHECK(again->header("X-Rerank-Bucket") == bucket);
    ++served[bucket];
    if (i % 2 == 0) {
      clicks.emplace_back(user, std::string(again->header("X-Rerank-Request-Id")));
      dom::element page;
      REQUIRE_FALSE(parser.parse(again->body).get(page));
      clicked_items.emplace_back(std::string_view(page["hits"]["hits"].at(0)["_id"]));
    }
  }
  CHECK(served["treatment"] >= 10);  // 20 users each side expected
  CHECK(served["control"] >= 10);

  // Clicks on the first hit of the second page each even shopper saw (the
  // online report joins a click to its search when the item was served).
  std::string lines;
  const int64_t t = nowMs();
  for (std::size_t k = 0; k < clicks.size(); ++k) {
    lines += R"({"event_id":"ab-)" + std::to_string(k) + R"(","storefront":"shop","user_id":")" +
             clicks[k].first + R"(","type":"click","item_id":")" + clicked_items[k] +
             R"(","request_id":")" + clicks[k].second + R"(","ts":)" + std::to_string(t) + "}\n";
  }
  auto posted = post(rerankd, lines);
  REQUIRE(posted);
  REQUIRE(posted->body.find("\"accepted\":" + std::to_string(clicks.size())) != std::string::npos);
  // The two searches of an _msearch are served, and recorded, one by one.
  const std::string msearch = "{\"index\":\"" + shop.index + "\"}\n" + query + "\n{\"index\":\"" +
                              shop.index + "\"}\n" + query + "\n";
  auto batch = rerankd.client().raw({"POST", "/_msearch", "",
                                     {{"Content-Type", "application/x-ndjson"},
                                      {"X-User-Id", "msearch-shopper"}},
                                     msearch});
  REQUIRE(batch);
  REQUIRE(batch->status == 200);
  CHECK(rerankd.stop() == 0);

  // The activity log holds every served page (each with the model version
  // that ranked it) and every click.
  const auto log_dir = shop.dir / "activity" / "shop";
  std::size_t served_lines = 0, click_lines = 0, with_model = 0;
  std::set<std::string> msearch_ids;
  for (const auto& f : std::filesystem::directory_iterator(log_dir)) {
    std::istringstream in(readAll(f.path()));
    for (std::string line; std::getline(in, line);) {
      const bool served_line = line.find("\"impressions\":[") != std::string::npos;
      served_lines += served_line;
      with_model += served_line && line.find("\"model\":\"events-v1\"") != std::string::npos;
      click_lines += line.find("\"type\":\"click\"") != std::string::npos;
      if (served_line && line.find("\"user\":\"msearch-shopper\"") != std::string::npos) {
        const auto at = line.find("\"request_id\":\"");
        REQUIRE(at != std::string::npos);
        msearch_ids.insert(line.substr(at + 14, 16));
        ++served[line.find("\"bucket\":\"control\"") != std::string::npos ? "control"
                                                                       : "treatment"];
      }
    }
  }
  CHECK(served_lines == 82);
  CHECK(with_model == served_lines);
  CHECK(msearch_ids.size() == 2);
  CHECK(click_lines == clicks.size());

  const auto report = shop.dir / "online";
  const std::string cmd = std::string(RR_RERANK_EVAL_BIN) + " --online --log " +
                          log_dir.string() + " --report " + report.string() + " > " +
                          (shop.dir / "online.txt").string() + " 2>&1";
  REQUIRE(std::system(cmd.c_str()) == 0);
  dom::element online;
  const std::string json = readAll(report / "online.json");
  REQUIRE_FALSE(parser.parse(json).get(online));
  std::size_t clicked = 0, total = 0;
  for (const char* bucket : {"treatment", "control"}) {
    INFO(bucket);
    auto b = online["buckets"][bucket];
    CHECK(uint64_t(b["served"]) == static_cast<uint64_t>(served[bucket]));
    clicked += uint64_t(b["clicked"]);
    total += uint64_t(b["served"]);
  }
  // Each click joined exactly its own search (by request id).
  CHECK(clicked == clicks.size());
  CHECK(total == 82);
  CHECK(int64_t(online["joined_clicks"]) == static_cast<int64_t>(clicks.size()));
}

TEST_CASE("two replicas on the shared store rank a shopper the same way", "[rerankd][opensearch]") {
  EventsShop shop("shared");
  const std::string profiles_index = uniqueIndexName("rerank-profiles");
  IndexGuard profiles_guard{*shop.engine, profiles_index};
  // The brand model: with history the shopper's brand comes first.
  const std::string model = saveBrandModel(shop.dir, "brand-v1");
  auto configFor = [&](const std::string& replica) {
    return "upstream:\n  url: " + openSearchUrl() +
           "\nlisten:\n  port: 0\nadmin:\n  token: test-token-0123456789\n"
           "profiles:\n  store: shared\n  index: " + profiles_index +
           "\nactivity_log:\n  dir: " + (shop.dir / ("activity-" + replica)).string() +
           "\nstorefronts:\n  - name: shop\n    indices: [" + shop.index + "]\n    model: " + model +
           "\n    deadline_ms: 5000\n"
           "    fields: {title: title, description: description, brand: brand, "
           "category: category, price: price}\n";
  };
  std::filesystem::create_directories(shop.dir / "a");
  std::filesystem::create_directories(shop.dir / "b");
  RerankdProcess a(shop.dir / "a", configFor("a"));
  RerankdProcess b(shop.dir / "b", configFor("b"));

  // Three purchases of Initech items (shopItems: brand i % 5 == 2), sent to A.
  const int64_t t = nowMs();
  std::string lines;
  for (int k = 0; k < 3; ++k) {
    lines += R"({"event_id":"p)" + std::to_string(k) +
             R"(","storefront":"shop","user_id":"dana","type":"purchase","item_id":"sku-)" +
             std::to_string(1002 + 5 * k) + R"(","ts":)" + std::to_string(t - k) + "}\n";
  }
  auto posted = post(a, lines);
  REQUIRE(posted);
  REQUIRE(posted->body.find("\"accepted\":3") != std::string::npos);
  // The same ids again, through the other replica: the engine knows them.
  auto again = post(b, lines);
  REQUIRE(again);
  CHECK(again->body.find("\"accepted\":0") != std::string::npos);
  CHECK(again->body.find("\"result\":\"duplicate\"") != std::string::npos);

  const std::string path = "/" + shop.index + "/_search";
  const std::string query = R"({"query":{"match":{"description":"item"}},"size":5})";
  auto searchAs = [&](RerankdProcess& r, const std::string& user) {
    std::vector<connectors::Header> headers = {{"Content-Type", "application/json"}};
    if (!user.empty()) headers.push_back({"X-User-Id", user});
    auto got = r.client().raw({"POST", path, "", headers, query});
    REQUIRE(got);
    REQUIRE(got->status == 200);
    CHECK(got->header("X-Rerank") == "applied");
    dom::parser parser;
    dom::element doc;
    REQUIRE_FALSE(parser.parse(got->body).get(doc));
    std::vector<std::string> brands;
    for (auto h : dom::array(doc["hits"]["hits"])) {
      brands.emplace_back(std::string_view(h["_source"]["brand"]));
    }
    return brands;
  };
  const auto on_a = searchAs(a, "dana");
  const auto on_b = searchAs(b, "dana");
  CHECK(on_a == on_b);
  CHECK(on_b == std::vector<std::string>(5, "Initech"));  // B used the history A received
  CHECK(searchAs(b, "") != on_b);                         // not the anonymous order
  CHECK(profileTimes(b, "dana").size() == 3);
  // The same page as the one search of an `_msearch`: the profile read there too.
  {
    auto got = b.client().raw({"POST", "/" + shop.index + "/_msearch", "",
                               {{"Content-Type", "application/x-ndjson"}, {"X-User-Id", "dana"}},
                               "{}\n" + query + "\n"});
    REQUIRE(got);
    REQUIRE(got->status == 200);
    dom::parser parser;
    dom::element doc;
    REQUIRE_FALSE(parser.parse(got->body).get(doc));
    std::vector<std::string> brands;
    for (auto h : dom::array(doc["responses"].at(0)["hits"]["hits"])) {
      brands.emplace_back(std::string_view(h["_source"]["brand"]));
    }
    CHECK(brands == on_b);
  }
  // Reading the profile is a stage of its own in the metrics (B's two
  // `_search`es and its `_msearch`), and it did not fail.
  auto metrics = b.client().raw({"GET", "/metrics", "", {}, ""});
  REQUIRE(metrics);
  CHECK_THAT(metrics->body,
             Catch::Contains(R"(rerank_stage_seconds_count{storefront="shop",stage="profile"} 3)"));
  CHECK_THAT(metrics->body, !Catch::Contains(R"(cause="profiles")"));
  // Page 2 of that search reuses page 1's order, kept on B: the profile is
  // not read for it.
  {
    const int64_t reads = searchesOn(*shop.engine, profiles_index);
    auto page2 = b.client().raw(
        {"POST", path, "", {{"Content-Type", "application/json"}, {"X-User-Id", "dana"}},
         R"({"query":{"match":{"description":"item"}},"from":5,"size":5})"});
    REQUIRE(page2);
    CHECK(page2->status == 200);
    CHECK(page2->header("X-Rerank") == "applied");
    CHECK(searchesOn(*shop.engine, profiles_index) == reads);
    auto after = b.client().raw({"GET", "/metrics", "", {}, ""});
    REQUIRE(after);
    CHECK_THAT(after->body, Catch::Contains(R"(reason="page_cache"} 1)"));
  }

  // Erased through B, gone for A.
  auto erased = b.client().raw(
      {"DELETE", "/_rerank/users/shop/dana", "", {{"Authorization", kAdmin}}, ""});
  REQUIRE(erased);
  CHECK(erased->status == 200);
  CHECK(profileTimes(a, "dana").empty());
  CHECK(searchAs(a, "dana") == searchAs(a, ""));
}
