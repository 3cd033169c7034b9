// knnRequestBody: the k-NN search for extra candidates keeps the client's
// filters and the shape of its hits, and refuses queries whose filters it
// cannot see.
#include <simdjson.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "rerank/extra_candidates.h"

using rr::rerank::knnRequestBody;
namespace dom = simdjson::dom;

namespace {

const std::vector<float> kVec = {0.5f, -0.25f, 1.0f};

// The parsed body; fails the test when it is not JSON.
dom::element parse(dom::parser& parser, const std::string& text) {
  dom::element doc;
  REQUIRE_FALSE(parser.parse(text).get(doc));
  return doc;
}

std::string minified(dom::element e) { return simdjson::minify(e); }

}  // namespace

TEST_CASE("a text query becomes a k-NN search without a filter") {
  auto body = knnRequestBody(R"({"from":0,"size":100,"query":{"match":{"title":"xbox"}},)"
                             R"("_source":["title"],"docvalue_fields":["rr_vector_ab12cd34"]})",
                             "rr_vector_ab12cd34_knn", kVec, 20);
  REQUIRE(body);
  dom::parser parser;
  auto doc = parse(parser, *body);
  CHECK(int64_t(doc["size"]) == 20);
  CHECK(minified(doc["_source"]) == R"(["title"])");
  CHECK(minified(doc["docvalue_fields"]) == R"(["rr_vector_ab12cd34"])");
  auto knn = doc["query"]["knn"]["rr_vector_ab12cd34_knn"];
  CHECK(int64_t(knn["k"]) == 20);
  CHECK(minified(knn["vector"]) == "[0.5,-0.25,1.0]");
  dom::element filter;
  CHECK(knn["filter"].get(filter) == simdjson::NO_SUCH_FIELD);
  // Nothing of the window request's paging or scoring leaks in.
  dom::element from;
  CHECK(doc["from"].get(from) == simdjson::NO_SUCH_FIELD);
}

TEST_CASE("a bool query's filter and must_not clauses and the post_filter are kept") {
  auto body = knnRequestBody(
      R"({"query":{"bool":{"must":[{"match":{"title":"console"}}],)"
      R"("filter":[{"term":{"brand":"acme"}},{"range":{"price":{"lte":100}}}],)"
      R"("must_not":{"term":{"category":"refurbished"}},"minimum_should_match":1}},)"
      R"("post_filter":{"term":{"in_stock":true}}})",
      "v_knn", kVec, 5);
  REQUIRE(body);
  dom::parser parser;
  auto doc = parse(parser, *body);
  auto clauses = doc["query"]["knn"]["v_knn"]["filter"]["bool"]["filter"];
  REQUIRE(clauses.is_array());
  std::vector<std::string> kept;
  for (auto c : dom::array(clauses)) kept.push_back(minified(c));
  REQUIRE(kept.size() == 3);
  CHECK(kept[0] ==
        R"({"bool":{"filter":[{"term":{"brand":"acme"}},{"range":{"price":{"lte":100}}}]}})");
  CHECK(kept[1] == R"({"bool":{"filter":{"term":{"in_stock":true}}}})");
  CHECK(kept[2] == R"({"bool":{"must_not":{"term":{"category":"refurbished"}}}})");
  CHECK(body->find("console") == std::string::npos);  // the text clause is what the vector replaces
}

TEST_CASE("a search without a query gets neighbours from the whole index") {
  for (const char* window : {"", "{}", R"({"query":{"match_all":{}}})"}) {
    auto body = knnRequestBody(window, "v_knn", kVec, 3);
    REQUIRE(body);
    CHECK(body->find("\"filter\"") == std::string::npos);
  }
}

TEST_CASE("queries whose restrictions are not recognized get no extra candidates") {
  for (const char* window : {
           R"({"query":{"term":{"brand":"acme"}}})",
           R"({"query":{"bool":{"must":[{"term":{"brand":"acme"}}]}}})",
           R"({"query":{"bool":{"should":[{"range":{"price":{"lte":5}}}]}}})",
           R"({"query":{"bool":{"must":{"bool":{"filter":{"term":{"a":1}}}}}}})",
           R"({"query":{"function_score":{"query":{"match":{"title":"x"}}}}})",
           R"({"query":{"constant_score":{"filter":{"term":{"a":1}}}}})",
           R"({"query":{"bool":{"must":[],"unknown_key":1}}})",
           R"({"query":{"match":{"a":"b"},"term":{"c":"d"}}})",
           R"([1,2])",
           R"(not json)",
       }) {
    INFO(window);
    CHECK_FALSE(knnRequestBody(window, "v_knn", kVec, 3));
  }
}

TEST_CASE("no vector or k of 0: no request") {
  CHECK_FALSE(knnRequestBody("{}", "v_knn", {}, 3));
  CHECK_FALSE(knnRequestBody("{}", "v_knn", kVec, 0));
}
