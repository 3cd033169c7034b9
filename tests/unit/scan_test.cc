// EngineClient::scan over a scripted Transport: PIT + search_after on an
// engine that has it, the scroll API otherwise, and the cursor released on
// every way out.
#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "connectors/engine_client.h"
#include "tests/unit/connector_fixtures.h"
#include "tests/unit/fake_transport.h"

using namespace rr::connectors;
using rr::unit::FakeTransport;
using rr::unit::readFixture;

namespace {

struct Harness {
  std::shared_ptr<FakeTransport> transport = std::make_shared<FakeTransport>();
  EngineClient client{options(), transport};

  static ClientOptions options() {
    ClientOptions o;
    o.url = "http://engine.test:9200";
    return o;
  }
};

std::string page(const std::string& pit_or_scroll, const std::string& hits) {
  return "{" + pit_or_scroll +
         R"(,"took":1,"timed_out":false,"hits":{"total":{"value":3,"relation":"eq"},"max_score":null,"hits":[)" +
         hits + "]}}";
}

std::string sortedHit(const std::string& id, const std::string& sort) {
  return R"({"_index":"fx","_id":")" + id + R"(","_score":null,"_source":{"n":1},"sort":)" +
         sort + "}";
}

constexpr const char* kPitOpened =
    R"({"pit_id":"p1","_shards":{"total":1,"successful":1,"skipped":0,"failed":0},"creation_time":1})";

std::vector<std::string> idsOf(const SearchResponse& r) {
  std::vector<std::string> out;
  for (const Hit& h : r.hits) out.emplace_back(h.id);
  return out;
}

}  // namespace

TEST_CASE("scan on OpenSearch 3.6 pages with a PIT and search_after, then deletes the PIT",
          "[unit][scan]") {
  Harness h;
  h.transport->reply(200, readFixture("info_opensearch.json"));
  h.transport->reply(200, kPitOpened);
  h.transport->reply(200, page(R"("pit_id":"p2")",
                               sortedHit("a", "[1,0]") + "," + sortedHit("b", "[2,7]")));
  h.transport->reply(200, page(R"("pit_id":"p3")", sortedHit("c", "[3,9]")));
  h.transport->reply(200, R"({"pits":[{"pit_id":"p3","successful":true}]})");

  ScanRequest request{.index = "fx", .page_size = 2};
  std::vector<std::vector<std::string>> pages;
  auto stats = h.client.scan(request, [&](const SearchResponse& r) {
    pages.push_back(idsOf(r));
    return true;
  });
  REQUIRE(stats);
  CHECK(stats->used_pit);
  CHECK(stats->pages == 2);
  CHECK(stats->documents == 3);
  CHECK(pages == std::vector<std::vector<std::string>>{{"a", "b"}, {"c"}});

  const auto& reqs = h.transport->requests;
  REQUIRE(reqs.size() == 5);
  CHECK(reqs[0].method == "GET");
  CHECK(reqs[0].path == "/");
  CHECK(reqs[1].method == "POST");
  CHECK(reqs[1].path == "/fx/_search/point_in_time");
  CHECK(reqs[1].query == "keep_alive=2m");
  // PIT searches name no index: the PIT carries it.
  CHECK(reqs[2].path == "/_search");
  CHECK_THAT(reqs[2].body, Catch::Contains(R"("pit":{"id":"p1","keep_alive":"2m"})"));
  CHECK_THAT(reqs[2].body, Catch::Contains(R"("sort":[{"_shard_doc":"asc"}])"));
  CHECK_THAT(reqs[2].body, Catch::Contains(R"("size":2)"));
  CHECK_THAT(reqs[2].body, !Catch::Contains("search_after"));
  // The next page continues after the last hit, with the PIT id the engine
  // last returned.
  CHECK(reqs[3].path == "/_search");
  CHECK_THAT(reqs[3].body, Catch::Contains(R"("search_after":[2,7])"));
  CHECK_THAT(reqs[3].body, Catch::Contains(R"("id":"p2")"));
  CHECK(reqs[4].method == "DELETE");
  CHECK(reqs[4].path == "/_search/point_in_time");
  CHECK(reqs[4].body == R"({"pit_id":["p3"]})");
}

TEST_CASE("a failed page still deletes the PIT and reports the page's error",
          "[unit][scan]") {
  Harness h;
  h.transport->reply(200, readFixture("info_opensearch.json"));
  h.transport->reply(200, kPitOpened);
  h.transport->reply(404, readFixture("error_index_not_found.json"));
  h.transport->reply(200, "{}");
  auto stats = h.client.scan({.index = "fx"}, [](const SearchResponse&) { return true; });
  REQUIRE_FALSE(stats);
  CHECK(stats.error().code == ErrorCode::kEngineError);
  CHECK(stats.error().engine_type == "index_not_found_exception");
  REQUIRE(h.transport->requests.size() == 4);
  CHECK(h.transport->requests[3].method == "DELETE");
  CHECK(h.transport->requests[3].body == R"({"pit_id":["p1"]})");
}

TEST_CASE("scan on Elasticsearch 7.10 uses the scroll API and clears the scroll",
          "[unit][scan]") {
  Harness h;
  h.transport->reply(200, readFixture("info_elasticsearch.json"));
  h.transport->reply(200, page(R"("_scroll_id":"s1")",
                               sortedHit("a", "[0]") + "," + sortedHit("b", "[1]")));
  h.transport->reply(200, page(R"("_scroll_id":"s2")", ""));
  h.transport->reply(200, R"({"succeeded":true,"num_freed":1})");

  std::size_t seen = 0;
  auto stats = h.client.scan({.index = "fx", .page_size = 2},
                             [&](const SearchResponse& r) {
                               seen += r.hits.size();
                               return true;
                             });
  REQUIRE(stats);
  CHECK_FALSE(stats->used_pit);
  CHECK(stats->pages == 1);
  CHECK(stats->documents == 2);
  CHECK(seen == 2);

  const auto& reqs = h.transport->requests;
  REQUIRE(reqs.size() == 4);
  CHECK(reqs[1].path == "/fx/_search");
  CHECK(reqs[1].query == "scroll=2m");
  CHECK_THAT(reqs[1].body, Catch::Contains(R"("sort":["_doc"])"));
  CHECK(reqs[2].path == "/_search/scroll");
  CHECK(reqs[2].body == R"({"scroll":"2m","scroll_id":"s1"})");
  CHECK(reqs[3].method == "DELETE");
  CHECK(reqs[3].path == "/_search/scroll");
  CHECK(reqs[3].body == R"({"scroll_id":["s2"]})");
}

TEST_CASE("allow_pit false forces the scroll API even where PIT exists", "[unit][scan]") {
  Harness h;
  h.transport->reply(200, readFixture("info_opensearch.json"));
  h.transport->reply(200, page(R"("_scroll_id":"s1")", ""));
  h.transport->reply(200, R"({"succeeded":true,"num_freed":1})");
  auto stats = h.client.scan({.index = "fx", .allow_pit = false},
                             [](const SearchResponse&) { return true; });
  REQUIRE(stats);
  CHECK_FALSE(stats->used_pit);
  CHECK(stats->documents == 0);
  REQUIRE(h.transport->requests.size() == 3);
  CHECK(h.transport->requests[1].query == "scroll=2m");
  CHECK(h.transport->requests[2].method == "DELETE");
}

TEST_CASE("a callback that returns false stops the scan and the cursor is released",
          "[unit][scan]") {
  Harness h;
  h.transport->reply(200, readFixture("info_elasticsearch.json"));
  h.transport->reply(200, page(R"("_scroll_id":"s1")", sortedHit("a", "[0]")));
  h.transport->reply(200, R"({"succeeded":true,"num_freed":1})");
  int calls = 0;
  auto stats = h.client.scan({.index = "fx", .page_size = 1},
                             [&](const SearchResponse&) {
                               ++calls;
                               return false;
                             });
  REQUIRE(stats);
  CHECK(calls == 1);
  CHECK(stats->pages == 1);
  REQUIRE(h.transport->requests.size() == 3);
  CHECK(h.transport->requests[2].method == "DELETE");
  CHECK(h.transport->requests[2].body == R"({"scroll_id":["s1"]})");
}

TEST_CASE("scan without an index or with a page size of zero is an invalid argument",
          "[unit][scan]") {
  Harness h;
  auto no_index = h.client.scan({.index = ""}, [](const SearchResponse&) { return true; });
  REQUIRE_FALSE(no_index);
  CHECK(no_index.error().code == ErrorCode::kInvalidArgument);
  auto no_size = h.client.scan({.index = "fx", .page_size = 0},
                               [](const SearchResponse&) { return true; });
  REQUIRE_FALSE(no_size);
  CHECK(no_size.error().code == ErrorCode::kInvalidArgument);
  CHECK(h.transport->requests.empty());
}
