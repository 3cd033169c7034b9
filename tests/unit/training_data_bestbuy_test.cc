// The Best Buy converter, on a tiny log written here and on the real one.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <set>
#include <string>

#include "scoring/data/bestbuy_converter.h"
#include "scoring/data/catalog_io.h"
#include "scoring/data/event_io.h"
#include "tests/unit/training_data_fixtures.h"

using namespace rr::scoring::data;
using rr::scoring::data::testing::ScratchDir;

namespace {

const char* kProducts =
    "sku,productId,name,format,shortDescription,manufacturer,genre,active,customerReviewAverage\r\n"
    "100,1,360 halo reach xbox,dvdrom ,\"fight\" for the caf\xe9 ,Microsoft,Shooter,true,4.5\r\n"
    "200,2,360 fifa soccer xbox,dvdrom ,play the game,Electronic Arts,Sports  Soccer,false,\r\n"
    "100,1,360 halo reach xbox,dvdrom ,\"fight\" for the caf\xe9 ,Microsoft,Shooter,true,4.5\r\n"
    "200,2,360 fifa soccer xbox,dvdrom ,play the game,Electronic Arts,Sports  Soccer,false,\r\n";

// user a: two searches 10 minutes apart, then one 31 minutes after the
// last event; user b: one search.
const char* kClicks =
    "user,sku,category,query,click_time,query_time\r\n"
    "a,100,abcat0701002,halo,2011-08-11 10:00:30.5,2011-08-11 10:00:00.25\r\n"
    "b,200,abcat0701002,Pi\xf1" "ata,2011-08-11 10:05:00,2011-08-11 10:04:00\r\n"
    "a,200,abcat0701002,fifa,2011-08-11 10:10:40,2011-08-11 10:10:00\r\n"
    "a,100,abcat0701002,halo 3,2011-08-11 10:45:00,2011-08-11 10:41:41\r\n";

const char* kUnlabelled =
    "user,category,query,click_time,query_time\r\n"
    "b,abcat0701002,zumba dvd,2011-08-11 10:20:00.1,2011-08-11 10:19:59.9\r\n"
    "c,abcat0701002,kinect,2011-08-11 09:00:01,2011-08-11 09:00:00\r\n";

void writeTinyLog(const ScratchDir& dir, const char* clicks = kClicks) {
  dir.write("products.csv", kProducts);
  dir.write("clicks.csv", clicks);
  dir.write("queries_unlabelled.csv", kUnlabelled);
}

std::string describe(const Event& e) {
  return std::string(toString(e.type)) + " " + e.user + " " + e.session + " " +
         (e.isSearch() ? "[" + e.query + "] " : "") + e.item;
}

}  // namespace

TEST_CASE("bestbuy: products deduped by SKU, latin-1 read as UTF-8, empty rating absent",
          "[unit][training_data]") {
  ScratchDir dir;
  writeTinyLog(dir);
  auto data = convertBestBuy(dir.path());
  REQUIRE(data);
  REQUIRE(data->products.size() == 2);
  const Product& halo = data->products[0];
  CHECK(halo.id == "100");
  CHECK(halo.title == "360 halo reach xbox");
  CHECK(halo.description == "\"fight\" for the caf\xc3\xa9");
  CHECK(halo.brand == "Microsoft");
  CHECK(halo.category == "Shooter");
  CHECK(halo.rating == 4.5);
  CHECK(data->products[1].category == "Sports Soccer");
  CHECK(!data->products[1].rating);
  CHECK(data->countOf("duplicate product rows") == 2);
}

TEST_CASE("bestbuy: each click row is a search plus a click, sessions split at 30 minutes",
          "[unit][training_data]") {
  ScratchDir dir;
  writeTinyLog(dir);
  auto data = convertBestBuy(dir.path());
  REQUIRE(data);
  std::vector<std::string> got;
  for (const auto& e : data->events) got.push_back(describe(e));
  CHECK(got == std::vector<std::string>{
                   "search c c#1 [kinect] ",
                   "search a a#1 [halo] 100",
                   "click a a#1 100",
                   "search b b#1 [Pi\xc3\xb1" "ata] 200",
                   "click b b#1 200",
                   "search a a#1 [fifa] 200",
                   "click a a#1 200",
                   "search b b#1 [zumba dvd] ",
                   "search a a#2 [halo 3] 100",
                   "click a a#2 100",
               });
  CHECK(data->events[1].ts_ms == 1313056800250);  // 2011-08-11 10:00:00.25 UTC
  CHECK(data->events[2].ts_ms == 1313056830500);
  CHECK(data->countOf("labelled searches") == 4);
  CHECK(data->countOf("unlabelled searches") == 2);
  CHECK(data->countOf("clicks") == 4);
  CHECK(data->countOf("users") == 3);
  CHECK(data->countOf("sessions") == 4);
}

TEST_CASE("bestbuy: the written files read back with the data layer", "[unit][training_data]") {
  ScratchDir dir;
  writeTinyLog(dir);
  auto data = convertBestBuy(dir.path());
  REQUIRE(data);
  REQUIRE(writeDataSet(dir.file("out"), *data));
  auto catalog = readCatalog(dir.file("out/catalog.jsonl"));
  REQUIRE(catalog);
  CHECK(*catalog == data->products);
  auto events = readEvents(dir.file("out/events.jsonl"));
  REQUIRE(events);
  CHECK(*events == data->events);
}

TEST_CASE("bestbuy: a malformed row is named by file, line and column", "[unit][training_data]") {
  ScratchDir dir;
  SECTION("a bad time") {
    writeTinyLog(dir, "user,sku,category,query,click_time,query_time\n"
                      "a,100,c,halo,2011-08-11 10:00:30,2011-08-11 10:00:00\n"
                      "a,100,c,halo,2011-08-11 10:00:30,yesterday\n");
    auto data = convertBestBuy(dir.path());
    REQUIRE(!data);
    CHECK(data.error().toString() ==
          dir.file("clicks.csv") +
              ":3: field \"query_time\": 'yesterday' is not a date-time like "
              "2011-08-11 03:59:04.27");
  }
  SECTION("a row with a field too many") {
    writeTinyLog(dir, "user,sku,category,query,click_time,query_time\n"
                      "a,100,c,halo, reach,2011-08-11 10:00:30,2011-08-11 10:00:00\n");
    auto data = convertBestBuy(dir.path());
    REQUIRE(!data);
    CHECK(data.error().toString() == dir.file("clicks.csv") + ":2: expected 6 fields, found 7");
  }
  SECTION("a missing file or directory") {
    dir.write("products.csv", kProducts);
    auto data = convertBestBuy(dir.path());
    REQUIRE(!data);
    CHECK(data.error().toString() == dir.file("clicks.csv") + ": no such file");
    CHECK(convertBestBuy(dir.file("nope")).error().toString() ==
          dir.file("nope") + ": no such directory");
  }
  SECTION("a missing column") {
    writeTinyLog(dir, "user,sku,category,click_time,query_time\n");
    auto data = convertBestBuy(dir.path());
    REQUIRE(!data);
    CHECK(data.error().toString() ==
          dir.file("clicks.csv") + ":1: field \"query\" is not a column of the header");
  }
}

TEST_CASE("bestbuy: the real log converts to 437 products and 29,526 labelled searches",
          "[unit][training_data][real_data]") {
  const std::string data_dir = std::string(RR_SOURCE_DIR) + "/../shared/data/bestbuy-xbox";
  if (!std::filesystem::exists(data_dir + "/clicks.csv")) {
    WARN("skipped: " << data_dir << " is not here (the real data sets live in ../shared/data)");
    return;
  }
  const auto start = std::chrono::steady_clock::now();
  auto data = convertBestBuy(data_dir);
  REQUIRE(data);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(data->products.size() == 437);
  CHECK(data->countOf("duplicate product rows") == 437);
  CHECK(data->countOf("labelled searches") == 29526);
  CHECK(data->countOf("unlabelled searches") == 19851);
  CHECK(data->countOf("clicks") == 29526);
  CHECK(data->events.size() == 2 * 29526 + 19851);
  CHECK(std::is_sorted(data->events.begin(), data->events.end(),
                       [](const Event& a, const Event& b) { return a.ts_ms < b.ts_ms; }));
  CHECK(data->events.front().query == "episode");
  CHECK(data->events.front().item == "9713872");
  std::set<std::string> users;
  for (const auto& e : data->events) users.insert(e.user);
  CHECK(static_cast<int64_t>(users.size()) == data->countOf("users"));
  INFO("converted in " << seconds << " s");
  CHECK(seconds < 30);
}
