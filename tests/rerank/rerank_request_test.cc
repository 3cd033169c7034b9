// rerank/'s pure core, requests: planSearch decides which searches are
// reranked and rewrites them into the window request, forwarding every
// other member as the client wrote it; malformed bodies are engine-shaped 400s.
#include <catch2/catch.hpp>

#include "rerank_core_test_support.h"

using namespace rr::rerank;
using namespace rr::rerank::test;

// ---------------------------------------------------------------------------
// planSearch: the window request

TEST_CASE("a plain relevance search is rewritten to fetch the window from the top",
          "[rerank][request]") {
  const std::string body =
      R"({"query":{"match":{"title":"halo"}},"from":3,"size":5,"aggs":{"brands":{"terms":{"field":"brand"}}}})";
  const SearchPlan plan = planOk(body);
  CHECK(plan.rerank);
  CHECK(plan.reason == PassReason::kNone);
  CHECK(plan.pass_reason.empty());
  CHECK(plan.from == 3);
  CHECK(plan.size == 5);
  auto p = parseJson(plan.upstream_body);
  CHECK(intAt(p->root, "from") == 0);
  CHECK(intAt(p->root, "size") == 100);
  CHECK(stringsAt(p->root, "docvalue_fields") == kVectorFields);
  CHECK(topKeys(p->root) ==
        std::vector<std::string>{"query", "aggs", "from", "size", "docvalue_fields"});
  CHECK(plan.strip_fields == kVectorFields);
  CHECK_FALSE(plan.client_asked_vector);
}

TEST_CASE("every other top-level member is forwarded byte for byte and in its order",
          "[rerank][request]") {
  const std::vector<std::string> members = {
      R"("query" : { "bool": {"must": [{"match": {"title": "h\u00e9lo \"x\""}}], "filter": {"term": {"brand": "Ünïcode"}}}})",
      R"("_source": ["title", "price"])",
      R"("highlight":{"fields":{"title":{}}})",
      R"("post_filter": {"range": {"price": {"lte": 1e2}}})",
      R"("track_total_hits": true)",
      R"("aggs": {"b": {"terms": {"field": "brand", "size": 3}}})",
      R"("timeout": "1s")",
      R"("min_score": 0.5)",
      R"("explain": false)",
  };
  std::string body = "{\n  " + members[0] + ",\n  \"size\": 20,\n";
  for (std::size_t i = 1; i < members.size(); ++i)
    body += "  " + members[i] + (i + 1 < members.size() ? ",\n" : "\n");
  body += "}";
  const SearchPlan plan = planOk(body);
  REQUIRE(plan.rerank);
  std::size_t last = 0;
  for (const auto& m : members) {
    INFO(m);
    const std::size_t at = plan.upstream_body.find(m);
    REQUIRE(at != std::string::npos);
    CHECK(at >= last);
    last = at;
  }
  CHECK(plan.upstream_body.find("\"size\": 20") == std::string::npos);
  auto p = parseJson(plan.upstream_body);
  CHECK(intAt(p->root, "size") == 100);
  CHECK(plan.size == 20);
}

TEST_CASE("from and size in the URL take precedence over the body, as in the engine",
          "[rerank][request]") {
  struct Row {
    std::string body, query;
    int from, size;
  };
  const std::vector<Row> rows = {
      {"", "", 0, 10},
      {R"({"from":4})", "", 4, 10},
      {R"({"size":7})", "", 0, 7},
      {R"({"from":4,"size":7})", "from=1&size=2", 1, 2},
      {R"({"from":4,"size":7})", "size=3", 4, 3},
      {R"({"from":4,"size":7})", "from=9", 9, 7},
      {"", "from=%32&size=%35", 2, 5},
      {"", "size=1&size=6", 0, 6},               // the last repeat wins
      {R"({"size":"3"})", "", 0, 3},             // the engine coerces numeric strings...
      {R"({"size":1.7,"from":2.9})", "", 2, 1},  // ...and truncates floats
      {R"({"size":+0})", "", 0, 0},
  };
  for (const Row& row : rows) {
    INFO(row.body << " ?" << row.query);
    auto r = planSearch({.body = row.body, .query = row.query}, storefront(), kVectorFields);
    if (row.body == R"({"size":+0})") {
      CHECK_FALSE(r);  // not JSON
      continue;
    }
    REQUIRE(r);
    CHECK(r->from == row.from);
    CHECK(r->size == row.size);
  }
}

TEST_CASE(
    "the upstream query drops from, size and rerank_explain and keeps every other parameter as "
    "written",
    "[rerank][request]") {
  const SearchPlan plan = planOk(
      "",
      "typed_keys=true&from=10&routing=a%2Cb&size=5&rerank_explain=true&preference=_local&&pretty");
  REQUIRE(plan.rerank);
  CHECK(plan.upstream_query == "typed_keys=true&routing=a%2Cb&preference=_local&pretty");
  CHECK(plan.explain);
  CHECK(plan.from == 10);
  CHECK(plan.size == 5);
  // A request without a body gets one.
  auto p = parseJson(plan.upstream_body);
  CHECK(intAt(p->root, "from") == 0);
  CHECK(stringsAt(p->root, "docvalue_fields") == kVectorFields);
}

TEST_CASE(
    "rerank_explain is true when present bare or true, false otherwise, and an error when "
    "unparsable",
    "[rerank][request]") {
  CHECK(planOk("", "rerank_explain").explain);
  CHECK(planOk("", "rerank_explain=").explain);
  CHECK(planOk("", "rerank_explain=true").explain);
  CHECK_FALSE(planOk("", "rerank_explain=false").explain);
  CHECK_FALSE(planOk("", "explain=true").explain);  // the engine's own explain is not ours
  CHECK(planOk("", "explain=true").upstream_query == "explain=true");
  const RequestError e = planErr("", "rerank_explain=yes");
  CHECK(e.type == "illegal_argument_exception");
  CHECK(e.reason.find("rerank_explain") != std::string::npos);
}

TEST_CASE("every pass reason is detected and the request goes upstream as the client sent it",
          "[rerank][request]") {
  struct Row {
    std::string body, query, reason;
  };
  const std::vector<Row> rows = {
      {R"({"sort":[{"price":"asc"}]})", "", "sorted"},
      {R"({"sort":"price"})", "", "sorted"},
      {R"({"sort":[{"_score":"asc"}]})", "", "sorted"},
      {R"({"sort":[{"_score":"desc"},"_doc"]})", "", "sorted"},
      {R"({"sort":{"_score":{"order":"asc"}}})", "", "sorted"},
      {"", "sort=price:asc", "sorted"},
      {"", "sort=_score:asc", "sorted"},
      {R"({"size":0,"aggs":{"b":{"terms":{"field":"brand"}}}})", "", "size_0"},
      {"", "size=0", "size_0"},
      {R"({"from":95,"size":10})", "", "beyond_window"},
      {R"({"size":101})", "", "beyond_window"},
      {"", "from=2147483647&size=2147483647", "beyond_window"},
      {R"({"size":5})", "scroll=1m", "scroll"},
      {R"({"pit":{"id":"abc","keep_alive":"1m"}})", "", "pit"},
      {R"({"search_after":[1.5,"p1"]})", "", "search_after"},
      {R"({"collapse":{"field":"brand"}})", "", "collapse"},
      {R"({"rescore":{"window_size":50,"query":{"rescore_query":{"match_all":{}}}}})", "",
       "rescore"},
      {R"({"stored_fields":"_none_"})", "", "no_ids"},
      {R"({"stored_fields":["title","_none_"]})", "", "no_ids"},
      {"", "stored_fields=title,_none_", "no_ids"},
      {"", "filter_path=hits.hits._id", "filter_path"},
      {"", "format=yaml", "format"},
      {R"({"docvalue_fields":"brand"})", "", "malformed"},
      {R"({"ext":[1]})", "", "malformed"},
  };
  for (const Row& row : rows) {
    INFO(row.body << " ?" << row.query);
    const SearchPlan plan = planOk(row.body, row.query);
    CHECK_FALSE(plan.rerank);
    CHECK(plan.pass_reason == row.reason);
    CHECK(toString(plan.reason) == row.reason);
    CHECK(plan.upstream_body == row.body);
    CHECK(plan.upstream_query == row.query);
    CHECK(plan.strip_fields.empty());
  }
  // Stored fields that leave the `_id` in: reranked.
  CHECK(planOk(R"({"stored_fields":["title"]})").rerank);
  CHECK(planOk("", "stored_fields=title").rerank);
}

TEST_CASE("an Accept header asking for YAML CBOR or Smile passes the search as format does",
          "[rerank][request]") {
  const std::string body = R"({"query":{"match":{"title":"halo"}}})";
  for (std::string_view accept : {"application/yaml", "application/cbor", "application/smile",
                                  "application/vnd.opensearch+YAML", "text/html, application/yaml"}) {
    INFO(accept);
    auto plan = planSearch({.body = body, .query = "", .accept = accept}, storefront(), kVectorFields);
    REQUIRE(plan);
    CHECK_FALSE(plan->rerank);
    CHECK(plan->pass_reason == "format");
    CHECK(plan->upstream_body == body);
  }
  for (std::string_view accept : {"", "application/json", "*/*",
                                  "application/vnd.elasticsearch+json; compatible-with=8"}) {
    INFO(accept);
    auto plan = planSearch({.body = body, .query = "", .accept = accept}, storefront(), kVectorFields);
    REQUIRE(plan);
    CHECK(plan->rerank);
  }
}

TEST_CASE("the last page inside the window is reranked and one hit past it is not",
          "[rerank][request]") {
  const auto sf = storefront(30);
  CHECK(planOk(R"({"from":20,"size":10})", "", sf).rerank);
  CHECK(planOk(R"({"from":21,"size":10})", "", sf).pass_reason == "beyond_window");
  CHECK(planOk(R"({"size":30})", "", sf).rerank);
  CHECK(planOk(R"({"size":31})", "", sf).pass_reason == "beyond_window");
}

TEST_CASE("a sort by _score descending alone is relevance order and is reranked",
          "[rerank][request]") {
  for (std::string body :
       {R"({"sort":"_score"})", R"({"sort":["_score"]})", R"({"sort":[]})",
        R"({"sort":[{"_score":"desc"}]})", R"({"sort":[{"_score":"DESC"}]})",
        R"({"sort":{"_score":{"order":"desc"}}})", R"({"sort":[{"_score":{}}]})"}) {
    INFO(body);
    const SearchPlan plan = planOk(body);
    CHECK(plan.rerank);
    CHECK(plan.upstream_body.find(body.substr(1, body.size() - 2)) != std::string::npos);
  }
  CHECK(planOk("", "sort=_score").rerank);
  CHECK(planOk("", "sort=_score:desc").rerank);
}

TEST_CASE("a disabled storefront passes every search through", "[rerank][request]") {
  auto sf = storefront();
  sf.enabled = false;
  const SearchPlan plan = planOk(R"({"query":{"match_all":{}}})", "size=3", sf);
  CHECK_FALSE(plan.rerank);
  CHECK(plan.pass_reason == "disabled");
  CHECK(plan.upstream_body == R"({"query":{"match_all":{}}})");
  CHECK(plan.upstream_query == "size=3");
}

TEST_CASE("ext.rerank is read and removed while other ext members are kept as written",
          "[rerank][request]") {
  const std::string body =
      R"({"query":{"match_all":{}},"ext":{"other":{"a": [1, 2]},"rerank":{"user_id":"u-17","session_id":"s\"9","opt_out":false},"more":true},"size":4})";
  const SearchPlan plan = planOk(body);
  REQUIRE(plan.rerank);
  CHECK(plan.ids_from_body.user_id == "u-17");
  CHECK(plan.ids_from_body.session_id == "s\"9");
  CHECK_FALSE(plan.ids_from_body.opt_out);
  CHECK(plan.upstream_body.find(R"("ext":{"other":{"a": [1, 2]},"more":true})") !=
        std::string::npos);
  CHECK(plan.upstream_body.find("rerank") == std::string::npos);
  parseJson(plan.upstream_body);
}

TEST_CASE("an ext.rerank written with escapes in its key is read and removed as well",
          "[rerank][request]") {
  const SearchPlan plan = planOk(R"({"ext":{"re\u0072ank":{"user_id":"u"},"o":1}})");
  CHECK(plan.ids_from_body.user_id == "u");
  CHECK(plan.upstream_body.find(R"("ext":{"o":1})") != std::string::npos);
  CHECK(plan.upstream_body.find("ank") == std::string::npos);
}

TEST_CASE("an ext holding only rerank is dropped altogether", "[rerank][request]") {
  const SearchPlan plan =
      planOk(R"({"ext": {"rerank": {"user_id": 42}}, "query": {"match_all": {}}})");
  REQUIRE(plan.rerank);
  CHECK(plan.ids_from_body.user_id == "42");
  CHECK(plan.upstream_body.find("ext") == std::string::npos);
  auto p = parseJson(plan.upstream_body);
  CHECK(topKeys(p->root) == std::vector<std::string>{"query", "from", "size", "docvalue_fields"});
}

TEST_CASE("an opted-out shopper is passed through without the ext.rerank the engine would reject",
          "[rerank][request]") {
  const std::string body =
      R"({"size":5,"ext":{"rerank":{"user_id":"u1","opt_out":true}},"query":{"match_all":{}}})";
  const SearchPlan plan = planOk(body, "from=5&rerank_explain=true");
  CHECK_FALSE(plan.rerank);
  CHECK(plan.pass_reason == "opt_out");
  CHECK(plan.ids_from_body.opt_out);
  CHECK(plan.upstream_body == R"({"size":5,"query":{"match_all":{}}})");
  CHECK(plan.upstream_query == "from=5");  // from/size kept when passing, rerank_explain dropped
}

TEST_CASE("a sorted search loses ext.rerank too but keeps its other ext members",
          "[rerank][request]") {
  const SearchPlan plan = planOk(R"({"sort":["price"],"ext":{"rerank":{"user_id":"u"},"x":{}}})");
  CHECK(plan.pass_reason == "sorted");
  CHECK(plan.upstream_body == R"({"sort":["price"],"ext":{"x":{}}})");
}

TEST_CASE("ids are read from the ext.rerank keys the storefront configures and no others",
          "[rerank][request]") {
  auto sf = storefront();
  sf.user_id = {rr::config::IdSource::Kind::kBody, "shopper"};
  sf.session_id = {rr::config::IdSource::Kind::kHeader, "X-Session-Id"};
  const SearchPlan plan =
      planOk(R"({"ext":{"rerank":{"shopper":"a","user_id":"b","session_id":"c"}}})", "", sf);
  CHECK(plan.ids_from_body.user_id == "a");
  CHECK(plan.ids_from_body.session_id.empty());
  CHECK(plan.upstream_body.find("shopper") == std::string::npos);
}

TEST_CASE("the vector fields are appended to the client's own docvalue_fields",
          "[rerank][request]") {
  const SearchPlan plan =
      planOk(R"({"docvalue_fields":["brand",{"field":"price","format":"0.0"}],"size":3})");
  REQUIRE(plan.rerank);
  CHECK(
      plan.upstream_body.find(
          R"("docvalue_fields":["brand",{"field":"price","format":"0.0"},"rr_vector_1a2b3c4d","rr_vector_1a2b3c4d_m"])") !=
      std::string::npos);
  CHECK_FALSE(plan.client_asked_vector);
  CHECK(plan.strip_fields == kVectorFields);
  auto p = parseJson(plan.upstream_body);
  CHECK(topKeys(p->root) == std::vector<std::string>{"docvalue_fields", "from", "size"});
}

TEST_CASE("an empty docvalue_fields list gets the vector fields without a stray comma",
          "[rerank][request]") {
  const SearchPlan plan = planOk(R"({"docvalue_fields":[ ]})");
  CHECK(plan.upstream_body.find(
            R"("docvalue_fields":[ "rr_vector_1a2b3c4d","rr_vector_1a2b3c4d_m"])") !=
        std::string::npos);
  parseJson(plan.upstream_body);
}

TEST_CASE("a vector field the client fetches itself is neither added twice nor stripped",
          "[rerank][request]") {
  SECTION("by name") {
    const SearchPlan plan = planOk(R"({"docvalue_fields":["rr_vector_1a2b3c4d"]})");
    CHECK(plan.client_asked_vector);
    CHECK(plan.strip_fields == std::vector<std::string>{"rr_vector_1a2b3c4d_m"});
    CHECK(plan.upstream_body.find(
              R"("docvalue_fields":["rr_vector_1a2b3c4d","rr_vector_1a2b3c4d_m"])") !=
          std::string::npos);
  }
  SECTION("in the object form") {
    const SearchPlan plan = planOk(R"({"docvalue_fields":[{"field":"rr_vector_1a2b3c4d_m"}]})");
    CHECK(plan.client_asked_vector);
    CHECK(plan.strip_fields == std::vector<std::string>{"rr_vector_1a2b3c4d"});
  }
  SECTION("by a pattern, which the engine would otherwise answer with doubled values") {
    const SearchPlan plan = planOk(R"({"docvalue_fields":["rr_*"]})");
    CHECK(plan.client_asked_vector);
    CHECK(plan.strip_fields.empty());
    CHECK(plan.upstream_body.find(R"("docvalue_fields":["rr_*"])") != std::string::npos);
  }
}

TEST_CASE("without an active model version nothing is added to docvalue_fields",
          "[rerank][request]") {
  auto r = planSearch({.body = R"({"size":2})"}, storefront(), {});
  REQUIRE(r);
  CHECK(r->rerank);
  CHECK(r->upstream_body == R"({"from":0,"size":100})");
}

TEST_CASE("malformed requests are 400 errors of the engine's type naming the field",
          "[rerank][request]") {
  struct Row {
    std::string body, query, type, reason_part;
  };
  const std::vector<Row> rows = {
      {"[1]", "", "parsing_exception", "START_ARRAY"},
      {"\"x\"", "", "parsing_exception", "VALUE_STRING"},
      {"42", "", "parsing_exception", "VALUE_NUMBER"},
      {"null", "", "parsing_exception", "VALUE_NULL"},
      {"{", "", "json_parse_exception", "request body"},
      {R"({"a":1,})", "", "json_parse_exception", "request body"},
      {R"({"a":1} {"b":2})", "", "json_parse_exception", "request body"},
      {"{\"query\":{\"match\":{\"title\":\"\xff\"}}}", "", "json_parse_exception", "UTF-8"},
      {"{\"q\":\"\xc3\x28\"}", "", "json_parse_exception", "UTF-8"},
      {R"({"size":1,"size":2})", "", "json_parse_exception", "Duplicate field 'size'"},
      {R"({"query":{"bool":{"must":[{"term":{"a":1,"a":2}}]}}})", "", "json_parse_exception",
       "Duplicate field 'a'"},
      {std::string(2000, '[') + std::string(2000, ']'), "", "json_parse_exception", "nested"},
      {R"({"size":-1})", "", "illegal_argument_exception",
       "[size] parameter cannot be negative, found [-1]"},
      {R"({"from":-3})", "", "illegal_argument_exception",
       "[from] parameter cannot be negative, found [-3]"},
      {R"({"size":true})", "", "parsing_exception", "[size]"},
      {R"({"size":null})", "", "parsing_exception", "[size]"},
      {R"({"size":"abc"})", "", "parsing_exception", "[size]"},
      {R"({"size":[10]})", "", "parsing_exception", "[size]"},
      {R"({"from":{"a":1}})", "", "parsing_exception", "[from]"},
      {R"({"size":99999999999999999999})", "", "json_parse_exception",
       "Numeric value out of range"},
      {R"({"size":2147483648})", "", "parsing_exception", "[size] value out of range of int"},
      {R"({"size":1e300})", "", "parsing_exception", "[size] value out of range of int"},
      {R"({"size":1e400})", "", "json_parse_exception", "request body"},
      {"", "size=abc", "illegal_argument_exception",
       "Failed to parse int parameter [size] with value [abc]"},
      {"", "from=-2", "illegal_argument_exception",
       "[from] parameter cannot be negative, found [-2]"},
      {"", "size=", "illegal_argument_exception", "[size]"},
      {"", "size=99999999999", "parsing_exception", "[size] value out of range of int"},
      {"", "from=1.5", "illegal_argument_exception", "[from]"},
      {R"({"ext":{"rerank":"u1"}})", "", "parsing_exception", "[ext.rerank] must be an object"},
      {R"({"ext":{"rerank":{"user_id":["u"]}}})", "", "parsing_exception", "[ext.rerank.user_id]"},
      {R"({"ext":{"rerank":{"session_id":1.5}}})", "", "parsing_exception",
       "[ext.rerank.session_id]"},
      {R"({"ext":{"rerank":{"opt_out":"yes"}}})", "", "parsing_exception",
       "[ext.rerank.opt_out] must be a boolean"},
  };
  for (const Row& row : rows) {
    INFO(row.body.substr(0, 80) << " ?" << row.query);
    const RequestError e = planErr(row.body, row.query);
    CHECK(e.status == 400);
    if (!row.type.empty()) CHECK(e.type == row.type);
    CHECK(e.reason.find(row.reason_part) != std::string::npos);
    // The body the server sends is the engine's error shape.
    auto p = parseJson(errorBody(e));
    std::string_view type;
    REQUIRE_FALSE(p->root["error"]["root_cause"].at(0)["type"].get(type));
    CHECK(type == e.type);
  }
}

TEST_CASE("errorBody has the shape of the engine's own error bodies", "[rerank][request]") {
  const RequestError e{
      .status = 400, .type = "json_parse_exception", .reason = "Duplicate field 'size'"};
  CHECK(
      errorBody(e) ==
      R"({"error":{"root_cause":[{"type":"json_parse_exception","reason":"Duplicate field 'size'"}],)"
      R"("type":"json_parse_exception","reason":"Duplicate field 'size'"},"status":400})");
  // The recorded engine error has the same members in the same order.
  auto recorded = parseJson(readFixture("error_duplicate_key.json"));
  auto ours = parseJson(errorBody(e));
  CHECK(topKeys(recorded->root) == topKeys(ours->root));
  CHECK(topKeys(recorded->root["error"].value_unsafe()) ==
        topKeys(ours->root["error"].value_unsafe()));
  std::string_view type;
  REQUIRE_FALSE(recorded->root["error"]["type"].get(type));
  CHECK(type == e.type);
  // Quotes, backslashes and control characters in a reason stay valid JSON.
  parseJson(errorBody({.status = 400, .type = "x", .reason = "a\"b\\c\n\x01"}));
  // So do bytes that are not UTF-8 (a percent-decoded URL parameter).
  const std::string bad = errorBody(
      {.status = 400, .type = "x", .reason = "[\x94\xc3\x28\xed\xa0\x80\xf0\x9f\x98\x80]"});
  parseJson(bad);
  CHECK(bad.find("\xf0\x9f\x98\x80") != std::string::npos);  // valid sequences are kept
  const RequestError from_url = planErr("", "size=%94");
  parseJson(errorBody(from_url));
}

TEST_CASE(
    "200 seeded random mutations of a request body never crash and every answer is valid JSON",
    "[rerank][request][fuzz]") {
  const std::vector<std::string> seeds = {
      R"({"query":{"bool":{"must":[{"match":{"title":"halo"}}],"filter":[{"term":{"brand":"x"}}]}},"from":10,"size":5,"sort":["_score"],"docvalue_fields":["brand"],"ext":{"rerank":{"user_id":"u","opt_out":false},"o":1},"aggs":{"b":{"terms":{"field":"brand"}}}})",
      R"({"size":3,"search_after":[1,"a"],"sort":[{"price":"asc"}],"pit":{"id":"x"}})",
      "{\"q\":\"\\u00e9\\\"\xc3\xa9\",\"size\":\"7\",\"from\":1.5}",
  };
  const std::string alphabet = "{}[]\",:\\0123456789-+.eEtrufalsn _\x80\xff";
  std::mt19937 rng(20261123);
  int accepted = 0, rejected = 0;
  for (int i = 0; i < 200; ++i) {
    std::string body = seeds[static_cast<std::size_t>(i) % seeds.size()];
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !body.empty(); ++e) {
      const std::size_t at = rng() % body.size();
      switch (rng() % 5) {
        case 0: body[at] = alphabet[rng() % alphabet.size()]; break;
        case 1: body.insert(at, 1, alphabet[rng() % alphabet.size()]); break;
        case 2: body.erase(at, 1); break;
        case 3: body.insert(at, body.substr(at, rng() % 16)); break;
        default: body.resize(at); break;
      }
    }
    const std::string query =
        (rng() % 3 == 0) ? "size=%" + std::to_string(rng() % 100) : "typed_keys";
    INFO("mutation " << i << ": " << body << " ?" << query);
    auto r = planSearch({.body = body, .query = query}, storefront(), kVectorFields);
    if (!r) {
      ++rejected;
      CHECK(r.error().status == 400);
      CHECK_FALSE(r.error().type.empty());
      parseJson(errorBody(r.error()));
      continue;
    }
    ++accepted;
    if (!r->upstream_body.empty()) parseJson(r->upstream_body);
    if (r->rerank) {
      auto p = parseJson(r->upstream_body);
      CHECK(intAt(p->root, "from") == 0);
      CHECK(intAt(p->root, "size") == 100);
    }
  }
  CHECK(accepted + rejected == 200);
  CHECK(accepted > 0);  // the mutations leave some bodies valid: both paths are exercised
  CHECK(rejected > 0);
}
