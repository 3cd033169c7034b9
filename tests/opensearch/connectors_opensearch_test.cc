// The connector against the real OpenSearch node that scripts/test.sh starts
// (RR_OPENSEARCH_URL). Each test uses its own index and deletes it.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "connectors/engine_client.h"
#include "connectors/json_writer.h"
#include "tests/support/opensearch_env.h"
#include "tests/support/test_catalog.h"

using namespace rr::connectors;
using rr::testing::IndexGuard;

namespace {

// Creates the catalog index and bulk-loads every product, refreshed.
void indexCatalog(EngineClient& client, const std::string& index,
                  const rr::testing::TestCatalog& catalog) {
  auto created = client.createIndex(index, rr::testing::catalogIndexBody());
  REQUIRE(created);
  std::vector<BulkOp> ops;
  for (const auto& p : catalog.products) {
    ops.push_back({.action = BulkOp::Action::kIndex,
                   .index = index,
                   .id = p.sku,
                   .body = rr::testing::toJson(p),
                   .if_seq_no = {},
                   .if_primary_term = {}});
  }
  auto result = client.bulk(ops, "true");
  REQUIRE(result);
  REQUIRE(result->failed() == 0);
  REQUIRE(result->items.size() == catalog.products.size());
}

std::set<std::string> words(const std::string& s) {
  std::set<std::string> out;
  std::istringstream in(s);
  std::string w;
  while (in >> w) out.insert(w);
  return out;
}

}  // namespace

TEST_CASE("the client detects the engine and its version", "[opensearch]") {
  auto client = rr::testing::openSearchClient();
  auto info = client->info();
  REQUIRE(info);
  CHECK(info->distribution == EngineInfo::Distribution::kOpenSearch);
  CHECK(info->major >= 2);
  if (const char* expected = std::getenv("RR_OPENSEARCH_VERSION")) {
    CHECK(info->version == expected);
  }
  auto health = client->health("yellow");
  REQUIRE(health);
  CHECK((health->status == "green" || health->status == "yellow"));
  CHECK(health->number_of_nodes == 1);
}

TEST_CASE("an exact-title query returns that SKU first", "[opensearch]") {
  auto client = rr::testing::openSearchClient();
  IndexGuard index(*client, rr::testing::uniqueIndexName("title"));
  auto catalog = rr::testing::loadTestCatalog();
  indexCatalog(*client, index.name(), catalog);

  // Titles that no other product's title contains entirely: for those, an
  // exact-title query has one right answer.
  std::vector<const rr::testing::Product*> distinctive;
  for (const auto& p : catalog.products) {
    auto mine = words(p.name);
    bool contained = std::ranges::any_of(catalog.products, [&](const auto& q) {
      if (&q == &p) return false;
      auto theirs = words(q.name);
      return std::ranges::includes(theirs, mine);
    });
    if (!contained) distinctive.push_back(&p);
  }
  INFO("catalog " << catalog.origin << ", distinctive titles "
                  << distinctive.size());
  REQUIRE(distinctive.size() >= 20);
  std::size_t checked = 0;
  for (std::size_t i = 0; i < distinctive.size() && checked < 40;
       i += std::max<std::size_t>(1, distinctive.size() / 40), ++checked) {
    const auto& p = *distinctive[i];
    std::string body = "{\"size\":3,\"query\":{\"match\":{\"name\":{\"query\":" +
                       jsonString(p.name) + ",\"operator\":\"and\"}}}}";
    auto r = client->search(index.name(), body);
    REQUIRE(r);
    REQUIRE_FALSE(r->hits.empty());
    INFO("title '" << p.name << "'");
    CHECK(r->hits.front().id == p.sku);
    CHECK(r->hits.front().index == index.name());
    REQUIRE(r->hits.front().score);
    CHECK(*r->hits.front().score == Approx(*r->max_score));
    // The hit's _source is the very document we indexed, byte for byte.
    CHECK(r->hits.front().source == rr::testing::toJson(p));
  }
  CHECK(checked >= 20);
}

TEST_CASE("a bulk with some invalid documents reports exactly those items",
          "[opensearch]") {
  auto client = rr::testing::openSearchClient();
  IndexGuard index(*client, rr::testing::uniqueIndexName("bulk"));
  REQUIRE(client->createIndex(index.name(), rr::testing::catalogIndexBody()));
  const std::set<std::size_t> bad = {2, 5, 9};
  std::vector<BulkOp> ops;
  for (std::size_t i = 0; i < 12; ++i) {
    std::string rating = bad.count(i) ? "\"not-a-number\"" : std::to_string(i % 5);
    ops.push_back({.action = BulkOp::Action::kIndex,
                   .index = index.name(),
                   .id = "doc-" + std::to_string(i),
                   .body = "{\"name\":\"item " + std::to_string(i) +
                           "\",\"rating\":" + rating + "}",
                   .if_seq_no = {},
                   .if_primary_term = {}});
  }
  // An update of a document that does not exist must fail, not create it.
  ops.push_back({.action = BulkOp::Action::kUpdate,
                 .index = index.name(),
                 .id = "never-indexed",
                 .body = R"({"doc":{"rating":1}})",
                 .if_seq_no = {},
                 .if_primary_term = {}});
  auto r = client->bulk(ops, "true");
  REQUIRE(r);
  REQUIRE(r->items.size() == ops.size());
  CHECK(r->failed() == bad.size() + 1);
  CHECK_FALSE(r->allOk());
  for (std::size_t i = 0; i < 12; ++i) {
    INFO("item " << i);
    CHECK(r->items[i].id == "doc-" + std::to_string(i));
    CHECK(r->items[i].ok == (bad.count(i) == 0));
    if (bad.count(i)) {
      CHECK(r->items[i].status == 400);
      CHECK(r->items[i].error_type == "mapper_parsing_exception");
      CHECK_FALSE(r->items[i].error_reason.empty());
    }
  }
  CHECK(r->items[12].status == 404);
  CHECK(r->items[12].error_type == "document_missing_exception");
  auto count = client->search(index.name(), R"({"size":0})");
  REQUIRE(count);
  CHECK(count->total == 12 - bad.size());
}

TEST_CASE("a scan over more than one page returns every document exactly once",
          "[opensearch]") {
  auto client = rr::testing::openSearchClient();
  IndexGuard index(*client, rr::testing::uniqueIndexName("scan"));
  auto catalog = rr::testing::loadTestCatalog();
  indexCatalog(*client, index.name(), catalog);
  std::set<std::string> expected;
  for (const auto& p : catalog.products) expected.insert(p.sku);

  for (bool allow_pit : {true, false}) {
    DYNAMIC_SECTION((allow_pit ? "with a point in time" : "with the scroll API")) {
      ScanRequest request{.index = index.name(),
                          .query = R"({"match_all":{}})",
                          .source = R"(["sku"])",
                          .page_size = 37,
                          .keep_alive = "1m",
                          .allow_pit = allow_pit};
      std::map<std::string, int> seen;
      auto stats = client->scan(request, [&](const SearchResponse& page) {
        for (const auto& hit : page.hits) ++seen[std::string(hit.id)];
        return true;
      });
      REQUIRE(stats);
      auto engine = client->info();
      REQUIRE(engine);
      CHECK(stats->used_pit == (allow_pit && engine->supportsPit()));
      CHECK(stats->pages > 1);
      CHECK(stats->documents == expected.size());
      CHECK(seen.size() == expected.size());
      CHECK(std::ranges::all_of(seen, [](const auto& kv) { return kv.second == 1; }));
      std::set<std::string> ids;
      for (const auto& [id, n] : seen) ids.insert(id);
      CHECK(ids == expected);
    }
  }
}

TEST_CASE("a scan stops when the callback says so", "[opensearch]") {
  auto client = rr::testing::openSearchClient();
  IndexGuard index(*client, rr::testing::uniqueIndexName("scanstop"));
  auto catalog = rr::testing::loadTestCatalog();
  indexCatalog(*client, index.name(), catalog);
  int pages = 0;
  auto stats = client->scan({.index = index.name(), .page_size = 10},
                            [&](const SearchResponse&) { return ++pages < 2; });
  REQUIRE(stats);
  CHECK(pages == 2);
  CHECK(stats->documents == 20);
}

TEST_CASE("a search on a missing index is the engine's own 404", "[opensearch]") {
  auto client = rr::testing::openSearchClient();
  auto r = client->search(rr::testing::uniqueIndexName("missing"), "{}");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::kEngineError);
  CHECK(r.error().http_status == 404);
  CHECK(r.error().engine_type == "index_not_found_exception");
  CHECK_THAT(r.error().raw_body, Catch::Contains("\"status\":404"));
}

TEST_CASE("msearch answers each search on its own", "[opensearch]") {
  auto client = rr::testing::openSearchClient();
  IndexGuard index(*client, rr::testing::uniqueIndexName("msearch"));
  auto catalog = rr::testing::loadTestCatalog();
  indexCatalog(*client, index.name(), catalog);
  std::string ndjson = "{\"index\":" + jsonString(index.name()) + "}\n" +
                       R"({"size":2,"query":{"match_all":{}}})" "\n" +
                       "{\"index\":\"rr-test-no-such-index\"}\n{}\n";
  auto r = client->msearch(ndjson);
  REQUIRE(r);
  REQUIRE(r->responses.size() == 2);
  REQUIRE(r->responses[0]);
  CHECK(r->responses[0]->hits.size() == 2);
  CHECK(r->responses[0]->total == catalog.products.size());
  REQUIRE_FALSE(r->responses[1]);
  CHECK(r->responses[1].error().http_status == 404);
}

TEST_CASE("index lifecycle: create, mapping, exists, refresh, delete", "[opensearch]") {
  auto client = rr::testing::openSearchClient();
  std::string name = rr::testing::uniqueIndexName("lifecycle");
  IndexGuard guard(*client, name);
  REQUIRE(client->createIndex(name, R"({"settings":{"number_of_replicas":0}})"));
  auto exists = client->indexExists(name);
  REQUIRE(exists);
  CHECK(*exists);
  auto again = client->createIndex(name, "{}");
  REQUIRE_FALSE(again);
  CHECK(again.error().engine_type == "resource_already_exists_exception");
  REQUIRE(client->putMapping(name, R"({"properties":{"vec":{"type":"float","index":false}}})"));
  auto mapping = client->getMapping(name);
  REQUIRE(mapping);
  CHECK_THAT(*mapping, Catch::Contains("\"vec\""));
  REQUIRE(client->refresh(name));
  REQUIRE(client->deleteIndex(name, false));
  auto gone = client->indexExists(name);
  REQUIRE(gone);
  CHECK_FALSE(*gone);
  CHECK(client->deleteIndex(name, true));
  auto strict = client->deleteIndex(name, false);
  REQUIRE_FALSE(strict);
  CHECK(strict.error().http_status == 404);
}

TEST_CASE("raw passthrough returns the engine's status, headers and body",
          "[opensearch]") {
  auto client = rr::testing::openSearchClient();
  HttpRequest request;
  request.method = "GET";
  request.path = "/_cat/health";
  request.query = "v=true";
  auto r = client->raw(request);
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK_THAT(std::string(r->header("content-type")), Catch::Contains("text/plain"));
  CHECK_THAT(r->body, Catch::Contains("status"));
  request.path = "/rr-test-no-such-index/_doc/1";
  request.query.clear();
  auto missing = client->raw(request);
  REQUIRE(missing);  // a 404 is a response here, not an error
  CHECK(missing->status == 404);
}

TEST_CASE("connections are kept alive and shared safely across threads",
          "[opensearch]") {
  ClientOptions options;
  options.url = rr::testing::openSearchUrl();
  options.pool_size = 4;
  auto transport = std::make_shared<CurlTransport>(options);
  EngineClient client(options, transport);
  for (int i = 0; i < 20; ++i) REQUIRE(client.health());
  CHECK(transport->connectionsOpened() == 1);

  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        if (client.health()) ++ok;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(ok == 100);
  CHECK(transport->connectionsOpened() <= 1 + 4);
}
