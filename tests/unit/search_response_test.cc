// parseSearchResponse on the responses recorded from OpenSearch 3.6.0: the
// values it reads, the byte-exact slices it hands out, and the errors it
// reports for bodies it cannot use.
#include <catch2/catch.hpp>

#include <array>
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

constexpr std::string_view kEscapedId = R"(id "quoted" \ slash)";

SearchResponse parseOk(const std::string& text) {
  auto r = parseSearchResponse(text);
  if (!r) FAIL("parse failed: " << r.error().message);
  REQUIRE(r->buffer != nullptr);
  return std::move(*r);
}

Error parseErr(std::string text) {
  auto r = parseSearchResponse(std::move(text));
  REQUIRE_FALSE(r);
  return r.error();
}

// Replaces the first occurrence of `from` (which must exist) with `to`.
std::string replaced(std::string text, std::string_view from, std::string_view to) {
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  text.replace(at, from.size(), to);
  return text;
}

// Every hit's `raw` is the very bytes of the n-th hit object in the body (the
// same offset in the response's own buffer, not a copy) and `source` is the
// `_source` object inside it.
void checkHitSlices(const SearchResponse& resp, const std::string& text) {
  const std::string_view body = resp.buffer->body;
  REQUIRE(body == text);
  for (std::size_t i = 0; i < resp.hits.size(); ++i) {
    INFO("hit " << i);
    const Hit& hit = resp.hits[i];
    const auto expected = nthHitObject(text, i);
    CHECK(hit.raw == expected.text);
    CHECK(offsetIn(body, hit.raw) == expected.offset);
    REQUIRE_FALSE(hit.raw.empty());
    CHECK(hit.raw.front() == '{');
    CHECK(hit.raw.back() == '}');
    const auto source = valueOf(text, "_source", expected.offset);
    CHECK(hit.source == source.text);
    CHECK(offsetIn(body, hit.source) == source.offset);
  }
}

}  // namespace

TEST_CASE("a match query response yields its hits in order with ids, index and scores",
          "[unit][search_response]") {
  const std::string text = readFixture("search_halo.json");
  const SearchResponse resp = parseOk(text);
  CHECK(resp.took == 149);
  CHECK_FALSE(resp.timed_out);
  REQUIRE(resp.total.has_value());
  CHECK(*resp.total == 3);
  CHECK(resp.total_relation == "eq");
  REQUIRE(resp.max_score.has_value());
  CHECK(*resp.max_score == Approx(0.48158914));
  REQUIRE(resp.hits.size() == 3);
  CHECK(resp.hits[0].id == kEscapedId);
  CHECK(resp.hits[1].id == "sku-2");
  CHECK(resp.hits[2].id == "sku-1");
  for (const Hit& hit : resp.hits) CHECK(hit.index == "fx");
  REQUIRE(resp.hits[0].score.has_value());
  REQUIRE(resp.hits[1].score.has_value());
  REQUIRE(resp.hits[2].score.has_value());
  CHECK(*resp.hits[0].score == Approx(0.48158914));
  CHECK(*resp.hits[1].score == Approx(0.3648143));
  CHECK(*resp.hits[2].score == Approx(0.2772589));
  for (const Hit& hit : resp.hits) CHECK(hit.sort.empty());
  CHECK(resp.scroll_id.empty());
  CHECK(resp.pit_id.empty());
}

TEST_CASE("each hit's raw slice is exactly that hit object's bytes in the body",
          "[unit][search_response]") {
  const std::string text = readFixture("search_halo.json");
  const SearchResponse resp = parseOk(text);
  REQUIRE(resp.hits.size() == 3);
  checkHitSlices(resp, text);
  // Spelled out once, so the expectation does not rest on the test's helper.
  CHECK(resp.hits[2].raw ==
        R"({"_index":"fx","_id":"sku-1","_score":0.2772589,"_source":{"title":"Halo 3 Legendary Edition","price":59.99,"brand":"Microsoft"}})");
  CHECK(resp.hits[2].source ==
        R"({"title":"Halo 3 Legendary Edition","price":59.99,"brand":"Microsoft"})");
  // The escaped hit keeps its escapes in raw and source: they are the bytes.
  CHECK(resp.hits[0].raw ==
        R"({"_index":"fx","_id":"id \"quoted\" \\ slash","_score":0.48158914,"_source":{"title":"Gears of War 2","price":29.99,"brand":"Epic \"Games\""}})");
}

TEST_CASE("the response slices cover the whole body, the shards and the aggregations",
          "[unit][search_response]") {
  const std::string text = readFixture("search_halo.json");
  const SearchResponse resp = parseOk(text);
  CHECK(resp.raw == text);
  CHECK(offsetIn(resp.buffer->body, resp.raw) == 0);
  CHECK(resp.shards == R"({"total":1,"successful":1,"skipped":0,"failed":0})");
  CHECK(resp.aggregations ==
        R"({"brands":{"doc_count_error_upper_bound":0,"sum_other_doc_count":0,"buckets":[{"key":"Microsoft","doc_count":2},{"key":"Epic \"Games\"","doc_count":1}]}})");
  CHECK(offsetIn(resp.buffer->body, resp.aggregations) ==
        valueOf(text, "aggregations").offset);
}

TEST_CASE("a response without aggregations leaves the aggregations slice empty",
          "[unit][search_response]") {
  const SearchResponse resp = parseOk(readFixture("search_escaped_id.json"));
  CHECK(resp.aggregations.empty());
  CHECK_FALSE(resp.shards.empty());
}

TEST_CASE("an id with quotes and a backslash comes back unescaped",
          "[unit][search_response]") {
  const std::string text = readFixture("search_escaped_id.json");
  const SearchResponse resp = parseOk(text);
  REQUIRE(resp.hits.size() == 4);
  CHECK(resp.hits[0].id == "sku-1");
  CHECK(resp.hits[1].id == "sku-2");
  CHECK(resp.hits[2].id == kEscapedId);
  CHECK(resp.hits[3].id == "sku-5");
  CHECK(resp.hits[2].index == "fx");
  REQUIRE(resp.total.has_value());
  CHECK(*resp.total == 4);
  REQUIRE(resp.max_score.has_value());
  CHECK(*resp.max_score == Approx(1.0));
  checkHitSlices(resp, text);
  // The unescaped id cannot be a slice of the body (the body has escapes);
  // the unescaped-free ids are.
  CHECK(offsetIn(resp.buffer->body, resp.hits[2].id) == std::string_view::npos);
  CHECK(offsetIn(resp.buffer->body, resp.hits[1].id) != std::string_view::npos);
}

TEST_CASE("a field-sorted response has null scores, a null max_score and each hit's sort",
          "[unit][search_response]") {
  const std::string text = readFixture("search_sorted_null_score.json");
  const SearchResponse resp = parseOk(text);
  REQUIRE(resp.total.has_value());
  CHECK(*resp.total == 4);
  CHECK(resp.total_relation == "eq");
  CHECK_FALSE(resp.max_score.has_value());
  REQUIRE(resp.hits.size() == 4);
  const char* ids[] = {"sku-2", R"(id "quoted" \ slash)", "sku-5", "sku-1"};
  const char* sorts[] = {"[19.99]", "[29.99]", "[39.0]", "[59.99]"};
  for (std::size_t i = 0; i < 4; ++i) {
    INFO("hit " << i);
    CHECK(resp.hits[i].id == ids[i]);
    CHECK_FALSE(resp.hits[i].score.has_value());
    CHECK(resp.hits[i].sort == sorts[i]);
    CHECK(offsetIn(resp.buffer->body, resp.hits[i].sort) ==
          valueOf(text, "sort", nthHitObject(text, i).offset).offset);
  }
  checkHitSlices(resp, text);
}

TEST_CASE("a pretty-printed response gives slices with the surrounding whitespace trimmed",
          "[unit][search_response]") {
  const std::string text = readFixture("search_pretty.json");
  const SearchResponse resp = parseOk(text);
  CHECK(resp.took == 7);
  REQUIRE(resp.total.has_value());
  CHECK(*resp.total == 2);
  CHECK(resp.total_relation == "eq");
  REQUIRE(resp.max_score.has_value());
  CHECK(*resp.max_score == Approx(0.3648143));
  REQUIRE(resp.hits.size() == 2);
  CHECK(resp.hits[0].id == "sku-2");
  CHECK(resp.hits[1].id == "sku-1");
  REQUIRE(resp.hits[1].score.has_value());
  CHECK(*resp.hits[1].score == Approx(0.2772589));
  checkHitSlices(resp, text);
  // The file ends in "}\n": the whole-response slice stops at the brace.
  REQUIRE(text.back() == '\n');
  CHECK(resp.raw == std::string_view(text).substr(0, text.size() - 1));
  CHECK(resp.hits[1].source ==
        "{\n"
        "          \"title\" : \"Halo 3 Legendary Edition\",\n"
        "          \"price\" : 59.99,\n"
        "          \"brand\" : \"Microsoft\"\n"
        "        }");
  CHECK(resp.shards == valueOf(text, "_shards").text);
}

TEST_CASE("an integer hits.total is read, with no relation",
          "[unit][search_response]") {
  const SearchResponse resp = parseOk(readFixture("search_total_as_int.json"));
  REQUIRE(resp.total.has_value());
  CHECK(*resp.total == 4);
  CHECK(resp.total_relation.empty());
  REQUIRE(resp.hits.size() == 1);
  CHECK(resp.hits[0].id == "sku-1");
}

TEST_CASE("an untracked total stays absent and a gte relation is kept",
          "[unit][search_response]") {
  const SearchResponse untracked = parseOk(
      R"({"took":1,"timed_out":false,"hits":{"max_score":null,"hits":[]}})");
  CHECK_FALSE(untracked.total.has_value());
  CHECK(untracked.hits.empty());
  const SearchResponse gte = parseOk(
      R"({"took":1,"timed_out":true,"hits":{"total":{"value":10000,"relation":"gte"},"max_score":null,"hits":[]}})");
  REQUIRE(gte.total.has_value());
  CHECK(*gte.total == 10000);
  CHECK(gte.total_relation == "gte");
  CHECK(gte.timed_out);
}

TEST_CASE("scroll and pit ids are read from the response",
          "[unit][search_response]") {
  const SearchResponse resp = parseOk(
      R"({"_scroll_id":"FGluY2x1ZGVfY29udGV4dF91dWlk","pit_id":"o463QQEC","took":2,"timed_out":false,"hits":{"total":{"value":0,"relation":"eq"},"max_score":null,"hits":[]}})");
  CHECK(resp.scroll_id == "FGluY2x1ZGVfY29udGV4dF91dWlk");
  CHECK(resp.pit_id == "o463QQEC");
}

TEST_CASE("views stay valid after the response is copied and the original destroyed",
          "[unit][search_response]") {
  const std::string text = readFixture("search_halo.json");
  std::optional<SearchResponse> original(parseOk(text));
  const SearchResponse copy = *original;
  CHECK(copy.buffer == original->buffer);
  original.reset();
  CHECK(copy.buffer.use_count() == 1);
  REQUIRE(copy.hits.size() == 3);
  // Under ASan a dangling view fails here as a use after free.
  CHECK(copy.hits[0].id == kEscapedId);
  CHECK(copy.hits[1].raw == nthHitObject(text, 1).text);
  CHECK(copy.hits[2].source == valueOf(text, "_source", nthHitObject(text, 2).offset).text);
  CHECK(copy.aggregations == valueOf(text, "aggregations").text);
  CHECK(copy.raw == text);
  CHECK(offsetIn(copy.buffer->body, copy.hits[1].raw) != std::string_view::npos);
}

TEST_CASE("views stay valid when the caller's body string is gone",
          "[unit][search_response]") {
  std::optional<SearchResponse> resp;
  {
    std::string body = readFixture("search_sorted_null_score.json");
    body.shrink_to_fit();  // no padding: the parser must make its own room
    auto r = parseSearchResponse(std::move(body));
    REQUIRE(r);
    resp = std::move(*r);
  }
  REQUIRE(resp->hits.size() == 4);
  CHECK(resp->hits[1].id == kEscapedId);
  CHECK(resp->hits[3].sort == "[59.99]");
}

TEST_CASE("trailing whitespace after the body is accepted and left out of raw",
          "[unit][search_response]") {
  const std::string text = readFixture("search_total_as_int.json");
  const SearchResponse resp = parseOk(text + " \r\n\t\n");
  CHECK(resp.raw == text);
  REQUIRE(resp.hits.size() == 1);
}

TEST_CASE("a truncated search body is a bad response, not a crash",
          "[unit][search_response]") {
  const Error e = parseErr(readFixture("search_truncated.json"));
  CHECK(e.code == ErrorCode::kBadResponse);
  CHECK_FALSE(e.message.empty());
}

TEST_CASE("a proxy's HTML page is a bad response", "[unit][search_response]") {
  const Error e = parseErr(readFixture("bad_gateway.html"));
  CHECK(e.code == ErrorCode::kBadResponse);
  CHECK(e.http_status == 0);
}

TEST_CASE("an empty body, a bare scalar and a top-level array are bad responses",
          "[unit][search_response]") {
  CHECK(parseErr("").code == ErrorCode::kBadResponse);
  CHECK(parseErr("   ").code == ErrorCode::kBadResponse);
  CHECK(parseErr("42").code == ErrorCode::kBadResponse);
  CHECK(parseErr("null").code == ErrorCode::kBadResponse);
  CHECK(parseErr("[]").code == ErrorCode::kBadResponse);
  CHECK(parseErr(R"([{"hits":{"hits":[]}}])").code == ErrorCode::kBadResponse);
}

TEST_CASE("trailing garbage after a valid body is a bad response",
          "[unit][search_response]") {
  const std::string text = readFixture("search_halo.json");
  CHECK(parseErr(text + "x").code == ErrorCode::kBadResponse);
  CHECK(parseErr(text + " {}").code == ErrorCode::kBadResponse);
  CHECK(parseErr(text + text).code == ErrorCode::kBadResponse);
  CHECK(parseErr(text + "}").code == ErrorCode::kBadResponse);
  CHECK(parseErr(text + ",").code == ErrorCode::kBadResponse);
}

TEST_CASE("a string score is a bad response naming hits.hits[0]._score",
          "[unit][search_response]") {
  const std::string text = readFixture("search_halo.json");
  const Error e = parseErr(replaced(text, R"("_score":0.48158914)", R"("_score":"x")"));
  CHECK(e.code == ErrorCode::kBadResponse);
  CHECK_THAT(e.message, Catch::Contains("hits.hits[0]._score"));
}

TEST_CASE("a wrong type in the second hit names that hit's index in the path",
          "[unit][search_response]") {
  const std::string text = readFixture("search_halo.json");
  const Error score = parseErr(replaced(text, R"("_score":0.3648143)", R"("_score":true)"));
  CHECK(score.code == ErrorCode::kBadResponse);
  CHECK_THAT(score.message, Catch::Contains("hits.hits[1]._score"));
  const Error id = parseErr(replaced(text, R"("_id":"sku-2")", R"("_id":17)"));
  CHECK(id.code == ErrorCode::kBadResponse);
  CHECK_THAT(id.message, Catch::Contains("hits.hits[1]._id"));
  const Error index = parseErr(replaced(text, R"("_index":"fx","_id":"sku-1")",
                                        R"("_index":["fx"],"_id":"sku-1")"));
  CHECK(index.code == ErrorCode::kBadResponse);
  CHECK_THAT(index.message, Catch::Contains("hits.hits[2]._index"));
}

TEST_CASE("a scalar _source or sort is a bad response naming its path",
          "[unit][search_response]") {
  const std::string halo = readFixture("search_halo.json");
  const Error source = parseErr(replaced(
      halo, R"("_source":{"title":"Halo Wars","price":19.99,"brand":"Microsoft","tags":["rts","halo"]})",
      R"("_source":"Halo Wars")"));
  CHECK(source.code == ErrorCode::kBadResponse);
  CHECK_THAT(source.message, Catch::Contains("hits.hits[1]._source"));
  const Error sort = parseErr(
      replaced(readFixture("search_sorted_null_score.json"), R"("sort":[19.99])",
               R"("sort":19.99)"));
  CHECK(sort.code == ErrorCode::kBadResponse);
  CHECK_THAT(sort.message, Catch::Contains("hits.hits[0].sort"));
}

TEST_CASE("hits.hits that is an object is a bad response naming hits.hits",
          "[unit][search_response]") {
  const Error e = parseErr(
      R"({"took":1,"timed_out":false,"hits":{"total":{"value":0,"relation":"eq"},"max_score":null,"hits":{}}})");
  CHECK(e.code == ErrorCode::kBadResponse);
  CHECK_THAT(e.message, Catch::Contains("hits.hits"));
}

TEST_CASE("wrong types outside the hits are bad responses naming their paths",
          "[unit][search_response]") {
  const std::string text = readFixture("search_halo.json");
  const Error took = parseErr(replaced(text, R"("took":149)", R"("took":"149")"));
  CHECK(took.code == ErrorCode::kBadResponse);
  CHECK_THAT(took.message, Catch::Contains("took"));
  const Error total = parseErr(replaced(text, R"("value":3)", R"("value":-3)"));
  CHECK(total.code == ErrorCode::kBadResponse);
  CHECK_THAT(total.message, Catch::Contains("hits.total.value"));
  const Error max_score =
      parseErr(replaced(text, R"("max_score":0.48158914)", R"("max_score":{})"));
  CHECK(max_score.code == ErrorCode::kBadResponse);
  CHECK_THAT(max_score.message, Catch::Contains("hits.max_score"));
  const Error hits = parseErr(replaced(text, R"("hits":{"total")", R"("hits":[],"x":{"total")"));
  CHECK(hits.code == ErrorCode::kBadResponse);
  CHECK_THAT(hits.message, Catch::Contains("hits"));
  const Error aggs = parseErr(replaced(text, R"("aggregations":{)", R"("aggregations":1,"y":{)"));
  CHECK(aggs.code == ErrorCode::kBadResponse);
  CHECK_THAT(aggs.message, Catch::Contains("aggregations"));
}

TEST_CASE("a hit that is not an object is a bad response naming it",
          "[unit][search_response]") {
  const Error e = parseErr(
      R"({"took":1,"timed_out":false,"hits":{"total":{"value":1,"relation":"eq"},"max_score":null,"hits":["sku-1"]}})");
  CHECK(e.code == ErrorCode::kBadResponse);
  CHECK_THAT(e.message, Catch::Contains("hits.hits[0]"));
}

TEST_CASE("an engine error body passed to the search parser is an engine error",
          "[unit][search_response]") {
  const std::string text = readFixture("error_index_not_found.json");
  const Error e = parseErr(text);
  CHECK(e.code == ErrorCode::kEngineError);
  CHECK(e.http_status == 404);
  CHECK(e.engine_type == "index_not_found_exception");
  CHECK(e.engine_reason == "no such index [nosuchindex]");
  CHECK(e.raw_body == text);

  const Error parsing = parseErr(readFixture("error_parsing.json"));
  CHECK(parsing.code == ErrorCode::kEngineError);
  CHECK(parsing.http_status == 400);
  CHECK(parsing.engine_type == "parsing_exception");
}

// Regression: a body cut inside the error object used to come back as
// kEngineError (status 500) with a truncated raw_body a proxy would forward.
TEST_CASE("an engine error body cut inside the error object is a bad response",
          "[unit][search_response]") {
  const std::string full = readFixture("error_index_not_found.json");
  const std::string cuts[] = {
      R"({"error":{"root_cause":[{"type":"x","reason":"y"})",
      full.substr(0, 202),  // ends with the root_cause item's '}'
      readFixture("error_parsing.json").substr(0, 287),
  };
  for (const std::string& cut : cuts) {
    INFO("body: " << cut);
    const Error e = parseErr(cut);
    CHECK(e.code == ErrorCode::kBadResponse);
    CHECK(e.http_status != 500);
  }
}

// Same root cause: the engine-error return skips detail::expectEnd.
TEST_CASE("trailing content after an engine error body is a bad response",
          "[unit][search_response]") {
  const Error e = parseErr(readFixture("error_index_not_found.json") + "{}");
  CHECK(e.code == ErrorCode::kBadResponse);
}

TEST_CASE("a hit's fields object, sequence number and primary term are read",
          "[search_response]") {
  // Shaped like OpenSearch 3.6.0's answer to docvalue_fields +
  // seq_no_primary_term (recorded by hand from the node).
  const std::string body =
      R"({"took":3,"timed_out":false,"_shards":{"total":1,"successful":1,"skipped":0,"failed":0},)"
      R"("hits":{"total":{"value":2,"relation":"eq"},"max_score":1.0,"hits":[)"
      R"({"_index":"p","_id":"2","_seq_no":1,"_primary_term":1,"_score":1.0,"_source":{"title":"world"}},)"
      R"({"_index":"p","_id":"1","_seq_no":4,"_primary_term":3,"_score":1.0,"_source":{"title":"hello"},)"
      R"("fields":{"rr_vector_a":["AACAPw"],"rr_vector_a_m":["v1|abc"]}}]}})";
  const auto r = parseOk(body);
  REQUIRE(r.hits.size() == 2);
  CHECK(r.hits[0].fields.empty());
  CHECK(r.hits[0].seq_no == 1);
  CHECK(r.hits[0].primary_term == 1);
  CHECK(r.hits[1].fields == R"({"rr_vector_a":["AACAPw"],"rr_vector_a_m":["v1|abc"]})");
  CHECK(r.hits[1].seq_no == 4);
  CHECK(r.hits[1].primary_term == 3);
  const auto bad = parseErr(replaced(body, R"("_seq_no":4)", R"("_seq_no":"x")"));
  CHECK(bad.message.find("hits.hits[1]._seq_no") != std::string::npos);
}

TEST_CASE("source keys read in the pass leave every slice as it was and match the _source",
          "[unit][search_response]") {
  const std::array<std::string_view, 4> keys = {"title", "", "price", "absent"};
  for (const char* name : {"search_halo.json", "search_pretty.json", "search_escaped_id.json",
                           "search_sorted_null_score.json", "search_total_as_int.json"}) {
    INFO(name);
    const std::string text = readFixture(name);
    auto with = parseSearchResponse(text, keys);
    REQUIRE(with);
    const SearchResponse without = parseOk(text);
    checkHitSlices(*with, text);
    REQUIRE(with->hits.size() == without.hits.size());
    for (std::size_t i = 0; i < with->hits.size(); ++i) {
      INFO("hit " << i);
      const Hit& a = with->hits[i];
      const Hit& b = without.hits[i];
      CHECK(a.raw == b.raw);
      CHECK(a.source == b.source);
      CHECK(a.fields == b.fields);
      CHECK(a.id == b.id);
      CHECK_FALSE(b.source_read);
      if (a.source.empty()) continue;
      CHECK(a.source_read);
      // The title is the `_source`'s own string (the fixtures' titles hold
      // no escapes), found by hand after the key.
      const std::string_view src = a.source;
      const auto colon = src.find(':', src.find("\"title\""));
      const auto open = src.find('"', colon);
      const auto close = src.find('"', open + 1);
      REQUIRE(close != std::string_view::npos);
      const std::string_view title = src.substr(open + 1, close - open - 1);
      REQUIRE(title.find('\\') == std::string_view::npos);
      CHECK(a.source_kinds[0] == Hit::SourceKind::kString);
      CHECK(a.source_values[0] == title);
      CHECK(offsetIn(with->buffer->body, a.source_values[0]) != std::string_view::npos);
      CHECK(a.source_kinds[1] == Hit::SourceKind::kNone);
      CHECK(a.source_kinds[3] == Hit::SourceKind::kNone);
      CHECK(a.source_values[3].empty());
    }
  }
}

TEST_CASE("source keys: strings unescaped, numbers as written, the first of a repeated key",
          "[unit][search_response]") {
  const std::string text =
      R"({"took":1,"timed_out":false,"hits":{"hits":[)"
      R"({"_id":"a","_score":1,"_source":{"br\u0061nd":"Sm\"ith\u00e9","n":12,"p":-0,"x":1.5e2}},)"
      R"({"_id":"b","_score":1,"_source":{"brand":null,"n":true,"p":"7.5","x":-120,"brand":"late"}},)"
      R"({"_id":"c","_score":1,"_source":{"brand":["a","b"],"n":0,"p":1234567890123456789}},)"
      R"({"_id":"d","_score":1,"_source":{"brand":{"name":"a"},"n":{}}},)"
      R"({"_id":"e","_score":1,"_source":{"n":1e400}},)"
      R"({"_id":"f","_score":1})"
      R"(]}})";
  const std::array<std::string_view, 4> keys = {"brand", "n", "p", "x"};
  auto r = parseSearchResponse(text, keys);
  REQUIRE(r);
  REQUIRE(r->hits.size() == 6);
  using K = Hit::SourceKind;
  const Hit& a = r->hits[0];
  CHECK(a.source_read);
  CHECK(a.source_values[0] == "Sm\"ith\xc3\xa9");
  CHECK(a.source_kinds[0] == K::kString);
  CHECK(a.source_values[1] == "12");
  CHECK(a.source_kinds[1] == K::kInteger);
  CHECK(a.source_values[2] == "-0");
  CHECK(a.source_kinds[2] == K::kNumber);
  CHECK(a.source_values[3] == "1.5e2");
  CHECK(a.source_kinds[3] == K::kNumber);
  const Hit& b = r->hits[1];
  CHECK(b.source_read);
  CHECK(b.source_kinds[0] == K::kNone);  // null, and the repeated key is not read
  CHECK(b.source_values[0].empty());
  CHECK(b.source_kinds[1] == K::kNone);  // a boolean
  CHECK(b.source_values[2] == "7.5");
  CHECK(b.source_kinds[2] == K::kString);
  CHECK(b.source_values[3] == "-120");
  CHECK(b.source_kinds[3] == K::kInteger);
  const Hit& c = r->hits[2];
  CHECK_FALSE(c.source_read);  // an array: the caller reads `_source` itself
  CHECK(c.source_values[2] == "1234567890123456789");
  CHECK(c.source_kinds[2] == K::kNumber);  // 19 digits
  CHECK_FALSE(r->hits[3].source_read);  // an object
  CHECK_FALSE(r->hits[4].source_read);  // a number no double holds
  const Hit& f = r->hits[5];
  CHECK(f.source.empty());
  CHECK_FALSE(f.source_read);
  for (const Hit& h : r->hits) {
    if (h.source.empty()) continue;
    CHECK(h.source.front() == '{');
    CHECK(h.source.back() == '}');
  }
  CHECK(r->hits[0].source == R"({"br\u0061nd":"Sm\"ith\u00e9","n":12,"p":-0,"x":1.5e2})");
}
