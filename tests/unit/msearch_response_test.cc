// parseMsearchResponse: one result per search, an engine error for a search
// that failed on its own, and a bad response only when the body is unusable.
#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "connectors/search_response.h"
#include "tests/unit/connector_fixtures.h"

using namespace rr::connectors;
using rr::unit::containerAt;
using rr::unit::nthHitObject;
using rr::unit::offsetIn;
using rr::unit::readFixture;
using rr::unit::valueOf;

namespace {

MsearchResponse parseOk(const std::string& text) {
  auto r = parseMsearchResponse(text);
  if (!r) FAIL("parse failed: " << r.error().message);
  REQUIRE(r->buffer != nullptr);
  return std::move(*r);
}

Error parseErr(std::string text) {
  auto r = parseMsearchResponse(std::move(text));
  REQUIRE_FALSE(r);
  return r.error();
}

// The n-th element of the `responses` array, as text.
rr::unit::Located nthResponse(std::string_view text, std::size_t n) {
  const auto array = valueOf(text, "responses");
  std::size_t open = array.offset + 1;
  for (std::size_t k = 0;; ++k) {
    const auto item = containerAt(text, open);
    if (k == n) return item;
    open = text.find('{', item.offset + item.text.size());
  }
}

}  // namespace

TEST_CASE("a mixed msearch gives one result per search in request order",
          "[unit][msearch]") {
  const std::string text = readFixture("msearch_mixed.json");
  const MsearchResponse resp = parseOk(text);
  CHECK(resp.took == 10);
  REQUIRE(resp.responses.size() == 2);
  CHECK(resp.responses[0].has_value());
  CHECK_FALSE(resp.responses[1].has_value());
}

TEST_CASE("the successful search of an msearch carries its hits, total and slices",
          "[unit][msearch]") {
  const std::string text = readFixture("msearch_mixed.json");
  const MsearchResponse resp = parseOk(text);
  REQUIRE(resp.responses.size() == 2);
  REQUIRE(resp.responses[0]);
  const SearchResult& first = *resp.responses[0];
  CHECK(first.took == 7);
  CHECK(first.status == 200);
  REQUIRE(first.total.has_value());
  CHECK(*first.total == 2);
  CHECK(first.total_relation == "eq");
  REQUIRE(first.max_score.has_value());
  CHECK(*first.max_score == Approx(0.3648143));
  REQUIRE(first.hits.size() == 1);
  const Hit& hit = first.hits[0];
  CHECK(hit.id == "sku-2");
  CHECK(hit.index == "fx");
  REQUIRE(hit.score.has_value());
  CHECK(*hit.score == Approx(0.3648143));
  const auto hit_text = nthHitObject(text, 0);
  CHECK(hit.raw == hit_text.text);
  CHECK(offsetIn(resp.buffer->body, hit.raw) == hit_text.offset);
  CHECK(hit.source ==
        R"({"title":"Halo Wars","price":19.99,"brand":"Microsoft","tags":["rts","halo"]})");
  CHECK(first.raw == nthResponse(text, 0).text);
  CHECK(first.shards == R"({"total":1,"successful":1,"skipped":0,"failed":0})");
}

TEST_CASE("the msearch item on a missing index is an engine error with status 404",
          "[unit][msearch]") {
  const std::string text = readFixture("msearch_mixed.json");
  const MsearchResponse resp = parseOk(text);
  REQUIRE(resp.responses.size() == 2);
  REQUIRE_FALSE(resp.responses[1]);
  const Error& e = resp.responses[1].error();
  CHECK(e.code == ErrorCode::kEngineError);
  CHECK(e.http_status == 404);
  CHECK(e.engine_type == "index_not_found_exception");
  CHECK(e.engine_reason == "no such index [nosuchindex]");
  CHECK(e.raw_body == nthResponse(text, 1).text);
  CHECK_THAT(e.message, Catch::Contains("index_not_found_exception"));
}

TEST_CASE("msearch views stay valid after the response is copied and the original destroyed",
          "[unit][msearch]") {
  const std::string text = readFixture("msearch_mixed.json");
  std::optional<MsearchResponse> original(parseOk(text));
  const MsearchResponse copy = *original;
  original.reset();
  CHECK(copy.buffer.use_count() == 1);
  REQUIRE(copy.responses.size() == 2);
  REQUIRE(copy.responses[0]);
  REQUIRE(copy.responses[0]->hits.size() == 1);
  CHECK(copy.responses[0]->hits[0].id == "sku-2");
  CHECK(copy.responses[0]->hits[0].raw == nthHitObject(text, 0).text);
}

TEST_CASE("an msearch whose items all succeed has no errors", "[unit][msearch]") {
  const MsearchResponse resp = parseOk(
      R"({"took":3,"responses":[)"
      R"({"took":1,"timed_out":false,"hits":{"total":{"value":0,"relation":"eq"},"max_score":null,"hits":[]},"status":200},)"
      R"({"took":2,"timed_out":false,"hits":{"total":{"value":1,"relation":"eq"},"max_score":2.5,"hits":[{"_index":"b","_id":"x","_score":2.5}]},"status":200})"
      R"(]})");
  REQUIRE(resp.responses.size() == 2);
  REQUIRE(resp.responses[0]);
  REQUIRE(resp.responses[1]);
  CHECK(resp.responses[0]->hits.empty());
  REQUIRE(resp.responses[1]->hits.size() == 1);
  CHECK(resp.responses[1]->hits[0].index == "b");
  CHECK(resp.responses[1]->hits[0].source.empty());
}

TEST_CASE("an empty responses array is zero results, not an error", "[unit][msearch]") {
  const MsearchResponse resp = parseOk(R"({"took":0,"responses":[]})");
  CHECK(resp.responses.empty());
}

TEST_CASE("an msearch body without responses is a bad response naming responses",
          "[unit][msearch]") {
  const Error e = parseErr(R"({"took":3})");
  CHECK(e.code == ErrorCode::kBadResponse);
  CHECK_THAT(e.message, Catch::Contains("responses"));
}

TEST_CASE("a wrong type inside an msearch item names the item in the path",
          "[unit][msearch]") {
  std::string text = readFixture("msearch_mixed.json");
  const auto at = text.find(R"("_score":0.3648143)");
  REQUIRE(at != std::string::npos);
  text.replace(at, 18, R"("_score":"high")");
  const Error e = parseErr(text);
  CHECK(e.code == ErrorCode::kBadResponse);
  CHECK_THAT(e.message, Catch::Contains("responses[0].hits.hits[0]._score"));
}

TEST_CASE("an msearch item that is not an object is a bad response", "[unit][msearch]") {
  const Error e = parseErr(R"({"took":1,"responses":[42]})");
  CHECK(e.code == ErrorCode::kBadResponse);
  CHECK_THAT(e.message, Catch::Contains("responses[0]"));
}

TEST_CASE("a truncated or trailing-garbage msearch body is a bad response",
          "[unit][msearch]") {
  const std::string text = readFixture("msearch_mixed.json");
  CHECK(parseErr(text.substr(0, text.size() / 2)).code == ErrorCode::kBadResponse);
  CHECK(parseErr(text.substr(0, text.size() - 1)).code == ErrorCode::kBadResponse);
  CHECK(parseErr(text + "]").code == ErrorCode::kBadResponse);
  CHECK(parseErr(text + " {}").code == ErrorCode::kBadResponse);
  CHECK(parseErr(readFixture("bad_gateway.html")).code == ErrorCode::kBadResponse);
  CHECK(parseErr("").code == ErrorCode::kBadResponse);
}

TEST_CASE("a whole-request engine error given to the msearch parser is not a success",
          "[unit][msearch]") {
  const auto r = parseMsearchResponse(readFixture("error_parsing.json"));
  REQUIRE_FALSE(r);
  CHECK((r.error().code == ErrorCode::kBadResponse ||
         r.error().code == ErrorCode::kEngineError));
}
