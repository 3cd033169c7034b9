// rerank/'s pure core: planSearch (which searches are reranked, and the
// window request they become) and the response writers (the client's page
// cut from the reranked window). Responses are recorded from OpenSearch 3.6.0
// (tests/fixtures/rerank/README.md). Every output is re-parsed with
// simdjson's DOM parser, independent of the scanner under test.
#include <simdjson.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <random>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "connectors/search_response.h"
#include "rerank/detail/json_scan.h"
#include "rerank/search_request.h"
#include "rerank/search_response_writer.h"

using namespace rr::rerank;
namespace dom = simdjson::dom;

namespace {

const std::vector<std::string> kVectorFields = {"rr_vector_1a2b3c4d", "rr_vector_1a2b3c4d_m"};

std::string readFixture(std::string_view name) {
  const std::string path = std::string(RR_SOURCE_DIR "/tests/fixtures/rerank/") + std::string(name);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("missing fixture " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

rr::config::StorefrontConfig storefront(int window = 100) {
  rr::config::StorefrontConfig sf;
  sf.name = "shop";
  sf.indices = {"rr_shop"};
  sf.window = window;
  sf.user_id = {rr::config::IdSource::Kind::kBody, "user_id"};
  sf.session_id = {rr::config::IdSource::Kind::kBody, "session_id"};
  return sf;
}

SearchPlan planOk(std::string_view body, std::string_view query = {},
                  const rr::config::StorefrontConfig& sf = storefront()) {
  auto r = planSearch({.body = body, .query = query}, sf, kVectorFields);
  if (!r) FAIL("planSearch failed: " << r.error().type << ": " << r.error().reason);
  return *r;
}

RequestError planErr(std::string_view body, std::string_view query = {}) {
  auto r = planSearch({.body = body, .query = query}, storefront(), kVectorFields);
  if (r) FAIL("planSearch accepted " << body << " ?" << query);
  return r.error();
}

// A DOM of `json` that stays valid as long as the returned parser lives.
struct Parsed {
  dom::parser parser;
  dom::element root;
};

std::unique_ptr<Parsed> parseJson(std::string_view json) {
  auto p = std::make_unique<Parsed>();
  auto err = p->parser.parse(json.data(), json.size()).get(p->root);
  if (err) FAIL("not valid JSON (" << simdjson::error_message(err) << "): " << json);
  return p;
}

std::string minified(dom::element e) { return simdjson::minify(e); }

int64_t intAt(dom::element e, std::string_view key) {
  int64_t v = 0;
  REQUIRE_FALSE(e[key].get(v));
  return v;
}

std::vector<std::string> stringsAt(dom::element e, std::string_view key) {
  std::vector<std::string> out;
  dom::array arr;
  REQUIRE_FALSE(e[key].get(arr));
  for (dom::element x : arr) {
    std::string_view s;
    if (!x.get(s)) out.emplace_back(s);
  }
  return out;
}

std::vector<std::string> topKeys(dom::element e) {
  std::vector<std::string> keys;
  dom::object obj;
  REQUIRE_FALSE(e.get(obj));
  for (auto [k, v] : obj) keys.emplace_back(k);
  return keys;
}

rr::connectors::SearchResponse window(std::string_view fixture) {
  auto r = rr::connectors::parseSearchResponse(readFixture(fixture));
  if (!r) FAIL("fixture does not parse: " << r.error().message);
  return std::move(*r);
}

// The `took` value replaced by 0, for comparing with a recorded response.
std::string withoutTook(const std::string& s) {
  return std::regex_replace(s, std::regex(R"("took"\s*:\s*\d+)"), "\"took\":0");
}

struct OutHit {
  std::string id;
  double score = 0;
  std::map<std::string, std::string> members;  // key -> minified value
  std::vector<std::string> keys;               // in order
};

std::vector<OutHit> outHits(const std::string& response) {
  auto p = parseJson(response);
  std::vector<OutHit> out;
  dom::array hits;
  REQUIRE_FALSE(p->root["hits"]["hits"].get(hits));
  for (dom::element h : hits) {
    OutHit o;
    std::string_view id;
    REQUIRE_FALSE(h["_id"].get(id));
    o.id = id;
    if (h["_score"].get(o.score)) o.score = std::numeric_limits<double>::quiet_NaN();
    dom::object obj;
    REQUIRE_FALSE(h.get(obj));
    for (auto [k, v] : obj) {
      o.keys.emplace_back(k);
      o.members[std::string(k)] = minified(v);
    }
    out.push_back(std::move(o));
  }
  return out;
}

std::vector<RankedHit> engineOrder(const rr::connectors::SearchResult& w) {
  std::vector<RankedHit> order;
  for (std::size_t i = 0; i < w.hits.size(); ++i) order.push_back({i, *w.hits[i].score});
  return order;
}

// A fixed permutation of the window with new, decreasing scores.
std::vector<RankedHit> reversedOrder(const rr::connectors::SearchResult& w) {
  std::vector<RankedHit> order;
  for (std::size_t i = 0; i < w.hits.size(); ++i) {
    order.push_back({w.hits.size() - 1 - i, 10.0 - static_cast<double>(i) * 0.5});
  }
  return order;
}

}  // namespace

// ---------------------------------------------------------------------------
// The member scanner both rewriters stand on

TEST_CASE("the scanner slices members exactly, through escapes, brackets in strings and whitespace",
          "[rerank][scan]") {
  const std::string text =
      " {\n \"a\\\"b\" : \"x]}\\\\\" ,\"n\":[1,{\"k\":\"{[\"}], \"t\":true,\"e\":{} \n} ";
  rr::rerank::detail::ObjectLayout layout;
  REQUIRE(rr::rerank::detail::scanObject(text, layout));
  REQUIRE(layout.members.size() == 4);
  CHECK(layout.members[0].key == "a\\\"b");
  CHECK(layout.members[0].value == "\"x]}\\\\\"");
  CHECK(layout.members[0].text == "\"a\\\"b\" : \"x]}\\\\\"");
  CHECK(layout.members[1].value == "[1,{\"k\":\"{[\"}]");
  CHECK(layout.members[2].value == "true");
  CHECK(layout.members[3].value == "{}");
  CHECK(layout.open_gap == "\n ");
  CHECK(layout.separators[1] == " ,");
  CHECK(layout.close_gap == " \n");
  // Dropping and replacing members keeps the rest as written.
  std::vector<std::optional<std::string_view>> replace = {
      std::string_view{}, std::nullopt, std::string_view("\"t\":1"), std::nullopt};
  std::string out;
  rr::rerank::detail::writeObject(out, layout, replace, "\"z\":0");
  CHECK(out == "{\n \"n\":[1,{\"k\":\"{[\"}], \"t\":1,\"e\":{},\"z\":0 \n}");
}

TEST_CASE("the scanner jumps over values a parser delimited, and only those inside its text",
          "[rerank][scan]") {
  const std::string text =
      R"({"took":3,"hits":{"max_score":2.0,"hits":[ {"_id":"a","s":"}]"} , {"_id":"b"} ]},"x":1})";
  auto slices = [](const rr::rerank::detail::ObjectLayout& l) {
    std::vector<std::string_view> out;
    for (const auto& m : l.members) out.push_back(m.text);
    return out;
  };
  const std::string_view view(text);
  const std::string_view a = view.substr(text.find("{\"_id\":\"a\""), 20);
  const std::string_view b = view.substr(text.find("{\"_id\":\"b\""), 11);
  REQUIRE(a == R"({"_id":"a","s":"}]"})");
  REQUIRE(b == R"({"_id":"b"})");
  rr::rerank::detail::ObjectLayout plain, jumped;
  REQUIRE(rr::rerank::detail::scanObject(text, plain));
  const std::string elsewhere = R"({"_id":"b"})";  // equal text, another buffer: ignored
  const std::vector<std::string_view> known = {a, std::string_view(elsewhere), b};
  REQUIRE(rr::rerank::detail::scanObject(text, jumped, known));
  CHECK(slices(jumped) == slices(plain));
  rr::rerank::detail::ObjectLayout hits_plain, hits_jumped;
  REQUIRE(rr::rerank::detail::scanObject(plain.members[1].value, hits_plain));
  REQUIRE(rr::rerank::detail::scanObject(jumped.members[1].value, hits_jumped, known));
  CHECK(slices(hits_jumped) == slices(hits_plain));
  // The jump is taken: told that a ends one byte short of its last brace,
  // the scan lands on that brace and no longer reads one object.
  const std::vector<std::string_view> wrong = {a.substr(0, a.size() - 1)};
  rr::rerank::detail::ObjectLayout misled;
  CHECK_FALSE(rr::rerank::detail::scanObject(plain.members[1].value, misled, wrong));
}

TEST_CASE("the scanner refuses text that is not one object without reading past its end",
          "[rerank][scan]") {
  for (std::string bad :
       {"", " ", "[]", "{", "{\"a\"", "{\"a\":", "{\"a\":1", "{\"a\":1,}", "{\"a\" 1}",
        "{\"a\":\"x}", "{\"a\":[1,2}", "{\"a\":1}}", "{\"a\":1} x", "{a:1}", "{\"a\":\"\\\"}"}) {
    INFO(bad);
    rr::rerank::detail::ObjectLayout layout;
    CHECK_FALSE(rr::rerank::detail::scanObject(bad, layout));
  }
  // Random bytes: never a crash (ASan checks the bounds).
  const std::string_view alphabet = "{}[]\",:\\ a1";
  std::mt19937 rng(7);
  for (int i = 0; i < 500; ++i) {
    std::string text = "{";
    const std::size_t n = rng() % 40;
    for (std::size_t k = 0; k < n; ++k) text.push_back(alphabet[rng() % alphabet.size()]);
    rr::rerank::detail::ObjectLayout layout;
    (void)rr::rerank::detail::scanObject(std::string_view(text), layout);
  }
}

TEST_CASE("numbers are written in the shortest form that reads back, with .0 on integral values",
          "[rerank][scan]") {
  auto d = [](double v) {
    std::string s;
    rr::rerank::detail::appendDouble(s, v);
    return s;
  };
  auto f = [](float v) {
    std::string s;
    rr::rerank::detail::appendFloat(s, v);
    return s;
  };
  CHECK(d(0.14915733) == "0.14915733");
  CHECK(d(2) == "2.0");
  CHECK(d(-0.5) == "-0.5");
  CHECK(d(1e300) == "1e+300");
  CHECK(d(std::nan("")) == "0.0");
  CHECK(f(0.25f) == "0.25");
  CHECK(f(3.0f) == "3.0");
  CHECK(f(std::numeric_limits<float>::infinity()) == "null");
}

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

// ---------------------------------------------------------------------------
// Response writers

TEST_CASE("the engine-order page is byte for byte the engine's own answer to the client's page",
          "[rerank][response]") {
  // Recorded: the window request (from 0, size 10, vector fields added) and
  // the client's own request (from 2, size 3, its own docvalue field only).
  const auto w = window("window_halo.json");
  const std::string expected = readFixture("client_page_from2_size3.json");
  const ResponseParts parts{.window = &w, .from = 2, .size = 3, .strip_fields = kVectorFields};
  CHECK(withoutTook(writeEngineOrderPage(parts)) == withoutTook(expected));
}

TEST_CASE(
    "reranking into the engine's own order with its scores reproduces the engine's page exactly",
    "[rerank][response]") {
  const auto w = window("window_halo.json");
  const std::vector<RankedHit> order = engineOrder(w);
  const ResponseParts parts{
      .window = &w, .order = order, .from = 2, .size = 3, .strip_fields = kVectorFields};
  CHECK(withoutTook(writeSearchResponse(parts)) ==
        withoutTook(readFixture("client_page_from2_size3.json")));
}

TEST_CASE("a reranked page has the new order and scores and every other byte of each hit",
          "[rerank][response]") {
  const auto w = window("window_halo.json");
  const std::vector<RankedHit> order = reversedOrder(w);
  const ResponseParts parts{.window = &w,
                            .order = order,
                            .from = 0,
                            .size = 4,
                            .extra_took_ms = 7,
                            .strip_fields = kVectorFields};
  const std::string out = writeSearchResponse(parts);
  const auto hits = outHits(out);
  REQUIRE(hits.size() == 4);
  const auto original = outHits(std::string(w.raw));  // the window, as the engine wrote it
  for (std::size_t i = 0; i < hits.size(); ++i) {
    INFO("page hit " << i);
    const std::size_t wi = order[i].window_index;
    const auto& engine_hit = original[wi];
    CHECK(hits[i].id == engine_hit.id);
    CHECK(hits[i].score == order[i].score);
    CHECK(hits[i].keys == engine_hit.keys);  // same members, same order
    for (const auto& [key, value] : engine_hit.members) {
      if (key == "_score" || key == "fields") continue;
      CHECK(hits[i].members.at(key) == value);
    }
    // Only the client's own docvalue field is left in `fields`.
    std::smatch brand;
    REQUIRE(std::regex_search(engine_hit.members.at("fields"), brand,
                              std::regex(R"("brand":\[[^\]]*\])")));
    CHECK(hits[i].members.at("fields") == "{" + brand.str() + "}");
    // The hit's own bytes, not a re-serialization: _source and highlight
    // appear in the output exactly as the engine wrote them.
    CHECK(out.find(w.hits[wi].source) != std::string::npos);
  }
  // Everything around the hits is the engine's.
  auto p = parseJson(out);
  CHECK(intAt(p->root, "took") == w.took + 7);
  double max_score = 0;
  REQUIRE_FALSE(p->root["hits"]["max_score"].get(max_score));
  CHECK(max_score == 10.0);
  CHECK(out.find(w.aggregations) != std::string::npos);
  CHECK(out.find(w.shards) != std::string::npos);
  CHECK(out.find(R"("total":{"value":8,"relation":"eq"})") != std::string::npos);
  CHECK(topKeys(p->root) ==
        std::vector<std::string>{"took", "timed_out", "_shards", "hits", "aggregations"});
}

TEST_CASE("escaped strings and unicode in hits are copied exactly", "[rerank][response]") {
  const auto w = window("window_halo.json");
  const std::vector<RankedHit> order = reversedOrder(w);
  const std::string out = writeSearchResponse(
      {.window = &w, .order = order, .from = 0, .size = 8, .strip_fields = kVectorFields});
  CHECK(out.find(R"("title":"Halo Wars 2 \"Ultimate\" edition")") != std::string::npos);
  CHECK(out.find(R"("title":"Halo 3 \\ ODST")") != std::string::npos);
  CHECK(out.find("日本語") != std::string::npos);
  parseJson(out);
}

TEST_CASE("page 2 continues page 1 with no duplicates or gaps and scores never rise",
          "[rerank][response]") {
  const auto w = window("window_halo.json");
  const std::vector<RankedHit> order = reversedOrder(w);
  std::vector<std::string> ids;
  std::vector<double> scores;
  for (int from = 0; from < 12; from += 3) {
    const std::string out = writeSearchResponse(
        {.window = &w, .order = order, .from = from, .size = 3, .strip_fields = kVectorFields});
    for (const auto& h : outHits(out)) {
      ids.push_back(h.id);
      scores.push_back(h.score);
    }
    auto p = parseJson(out);
    double max_score = 0;
    REQUIRE_FALSE(p->root["hits"]["max_score"].get(max_score));
    CHECK(max_score == 10.0);  // the window's top score on every page
  }
  std::vector<std::string> expected;
  for (const auto& r : order) expected.emplace_back(w.hits[r.window_index].id);
  CHECK(ids == expected);
  CHECK(std::is_sorted(scores.rbegin(), scores.rend()));
}

TEST_CASE("a page past the end of the window has no hits but keeps totals and aggregations",
          "[rerank][response]") {
  const auto w = window("window_halo.json");
  const std::vector<RankedHit> order = reversedOrder(w);
  for (int from : {8, 9, 50}) {
    const std::string out =
        writeSearchResponse({.window = &w, .order = order, .from = from, .size = 5});
    CHECK(outHits(out).empty());
    CHECK(out.find(R"("hits":[])") != std::string::npos);
    CHECK(out.find(w.aggregations) != std::string::npos);
    CHECK(out.find(R"("max_score":10.0)") != std::string::npos);
  }
  const std::string engine_page = writeEngineOrderPage({.window = &w, .from = 8, .size = 5});
  CHECK(outHits(engine_page).empty());
  CHECK(engine_page.find(R"("max_score":0.14915733)") != std::string::npos);
}

TEST_CASE("an empty window gives empty hits and a null max_score", "[rerank][response]") {
  const auto w = window("window_empty.json");
  const std::string out =
      writeSearchResponse({.window = &w, .order = {}, .from = 0, .size = 10, .extra_took_ms = 2});
  CHECK(withoutTook(out) == withoutTook(std::string(w.raw)));
  auto p = parseJson(out);
  CHECK(p->root["hits"]["max_score"].is_null());
  CHECK(intAt(p->root, "took") == w.took + 2);
  CHECK(withoutTook(writeEngineOrderPage({.window = &w})) == withoutTook(std::string(w.raw)));
}

TEST_CASE("vector fields are stripped and fields is dropped when nothing else is in it",
          "[rerank][response]") {
  const auto w = window("window_pretty_total_int.json");  // fields holds only the vector and meta
  const std::vector<RankedHit> order = reversedOrder(w);
  const std::string out = writeSearchResponse(
      {.window = &w, .order = order, .from = 0, .size = 5, .strip_fields = kVectorFields});
  CHECK(out.find("rr_vector") == std::string::npos);
  for (const auto& h : outHits(out)) CHECK(h.members.count("fields") == 0);
  SECTION("unless the client asked for them") {
    const std::string kept =
        writeSearchResponse({.window = &w, .order = order, .from = 0, .size = 5});
    for (const auto& h : outHits(kept)) CHECK(h.members.count("fields") == 1);
  }
  SECTION("or asked for one of them") {
    const std::vector<std::string> meta_only = {"rr_vector_1a2b3c4d_m"};
    const std::string one = writeSearchResponse(
        {.window = &w, .order = order, .from = 0, .size = 5, .strip_fields = meta_only});
    for (const auto& h : outHits(one))
      CHECK(h.members.at("fields").find("rr_vector_1a2b3c4d\"") != std::string::npos);
    CHECK(one.find("rr_vector_1a2b3c4d_m") == std::string::npos);
  }
}

TEST_CASE("a pretty window stays pretty and keeps an integer hits.total", "[rerank][response]") {
  const auto w = window("window_pretty_total_int.json");
  const std::vector<RankedHit> order = reversedOrder(w);
  const std::string out = writeSearchResponse({.window = &w,
                                               .order = order,
                                               .from = 1,
                                               .size = 2,
                                               .extra_took_ms = 1,
                                               .strip_fields = kVectorFields});
  auto p = parseJson(out);
  uint64_t total = 0;
  REQUIRE_FALSE(p->root["hits"]["total"].get(total));
  CHECK(total == 8);
  CHECK(out.find("\"_shards\" : {\n    \"total\" : 1,") != std::string::npos);
  CHECK(out.find("\"_score\" : 9.5,") != std::string::npos);
  CHECK(out.find("\"took\" : ") != std::string::npos);
  const auto hits = outHits(out);
  REQUIRE(hits.size() == 2);
  CHECK(hits[0].id == w.hits[order[1].window_index].id);
}

TEST_CASE("explain adds a _rerank member with ranks, features and contributions",
          "[rerank][response]") {
  const auto w = window("window_halo.json");
  const std::vector<RankedHit> order = reversedOrder(w);
  std::vector<HitExplain> explain(order.size());
  for (std::size_t i = 0; i < explain.size(); ++i) {
    explain[i].features = {{"engine_score", static_cast<float>(i)}, {"user\"dot", 0.25f}};
    explain[i].contributions = {{"engine_score", -1.5f}, {"nan", std::nanf("")}};
  }
  const std::string out = writeSearchResponse({.window = &w,
                                               .order = order,
                                               .from = 2,
                                               .size = 2,
                                               .strip_fields = kVectorFields,
                                               .explain = explain});
  const auto hits = outHits(out);
  REQUIRE(hits.size() == 2);
  CHECK(hits[0].keys.back() == "_rerank");
  CHECK(
      hits[0].members.at("_rerank") ==
      R"({"rank":3,"engine_rank":6,"features":{"engine_score":2.0,"user\"dot":0.25},"contributions":{"engine_score":-1.5,"nan":null}})");
  CHECK(hits[1].members.at("_rerank").find(R"("rank":4,"engine_rank":5)") != std::string::npos);
  SECTION("and nothing without explain") {
    CHECK(writeSearchResponse({.window = &w, .order = order}).find("_rerank") == std::string::npos);
  }
}

TEST_CASE("scores that rise, NaN, infinities, repeats and stray indices never reach the output",
          "[rerank][response]") {
  const auto w = window("window_halo.json");
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<RankedHit> order = {{3, inf}, {0, 2.0},          {0, 9.0},  {99, 5.0},
                                        {1, 3.0}, {2, std::nan("")}, {4, -inf}, {5, 1.0}};
  const std::string out =
      writeSearchResponse({.window = &w, .order = order, .from = 0, .size = 10});
  const auto hits = outHits(out);
  std::vector<std::string> ids;
  for (const auto& h : hits) ids.push_back(h.id);
  CHECK(ids == std::vector<std::string>{"p10", "p9", "p1", "p6", "p8", "p2"});
  std::vector<double> scores;
  for (const auto& h : hits) scores.push_back(h.score);
  CHECK(scores == std::vector<double>{std::numeric_limits<double>::max(), 2.0, 2.0, 2.0,
                                      std::numeric_limits<double>::lowest(),
                                      std::numeric_limits<double>::lowest()});
  // Page 2 shows the same scores for the same hits.
  const auto page2 =
      outHits(writeSearchResponse({.window = &w, .order = order, .from = 2, .size = 2}));
  REQUIRE(page2.size() == 2);
  CHECK(page2[0].score == 2.0);
  CHECK(page2[1].score == 2.0);
}

TEST_CASE("negative page bounds read as an empty page from the top", "[rerank][response]") {
  const auto w = window("window_halo.json");
  const std::vector<RankedHit> order = engineOrder(w);
  CHECK(
      outHits(writeSearchResponse({.window = &w, .order = order, .from = -5, .size = 2})).size() ==
      2);
  CHECK(
      outHits(writeSearchResponse({.window = &w, .order = order, .from = 0, .size = -1})).empty());
  CHECK(outHits(writeEngineOrderPage({.window = &w, .from = 7, .size = 100})).size() == 1);
}

TEST_CASE("top-level members the writer does not know are copied in the engine's order",
          "[rerank][response]") {
  const std::string text =
      R"({"_scroll_id":"c2Nyb2xs","took":5,"timed_out":true,"terminated_early":true,"num_reduce_phases":2,)"
      R"("_shards":{"total":2,"successful":1,"skipped":0,"failed":1,"failures":[{"shard":1,"reason":{"type":"x"}}]},)"
      R"("hits":{"total":12,"max_score":2.5,"hits":[{"_index":"i","_id":"a","_score":2.5,"_source":{}},)"
      R"({"_index":"i","_id":"b","_score":1.0,"_source":{"k":[1,{"n":null}]},"fields":{"rr_vector_1a2b3c4d":["AAAA"]}}]},)"
      R"("suggest":{"s":[{"text":"halo","offset":0,"length":4,"options":[]}]},"profile":{"shards":[]}})";
  auto parsed = rr::connectors::parseSearchResponse(text);
  REQUIRE(parsed);
  const std::vector<RankedHit> order = {{1, 0.75}, {0, 0.5}};
  const std::string out = writeSearchResponse({.window = &*parsed,
                                               .order = order,
                                               .from = 0,
                                               .size = 10,
                                               .extra_took_ms = 3,
                                               .strip_fields = kVectorFields});
  CHECK(
      out ==
      R"({"_scroll_id":"c2Nyb2xs","took":8,"timed_out":true,"terminated_early":true,"num_reduce_phases":2,)"
      R"("_shards":{"total":2,"successful":1,"skipped":0,"failed":1,"failures":[{"shard":1,"reason":{"type":"x"}}]},)"
      R"("hits":{"total":12,"max_score":0.75,"hits":[{"_index":"i","_id":"b","_score":0.75,"_source":{"k":[1,{"n":null}]}},)"
      R"({"_index":"i","_id":"a","_score":0.5,"_source":{}}]},)"
      R"("suggest":{"s":[{"text":"halo","offset":0,"length":4,"options":[]}]},"profile":{"shards":[]}})");
}

TEST_CASE("every writer output parses as JSON for every page of every recorded window",
          "[rerank][response]") {
  for (std::string_view name : {"window_halo.json", "window_pretty_total_int.json",
                                "window_empty.json", "client_page_from2_size3.json"}) {
    const auto w = window(name);
    const std::vector<RankedHit> order = reversedOrder(w);
    std::vector<HitExplain> explain(order.size(), HitExplain{{{"f", 1.0f}}, {{"c", -0.5f}}});
    for (int from = 0; from <= 11; ++from) {
      for (int size : {0, 1, 3, 10}) {
        INFO(name << " from " << from << " size " << size);
        parseJson(writeSearchResponse({.window = &w,
                                       .order = order,
                                       .from = from,
                                       .size = size,
                                       .strip_fields = kVectorFields,
                                       .explain = explain}));
        parseJson(writeEngineOrderPage(
            {.window = &w, .from = from, .size = size, .strip_fields = kVectorFields}));
      }
    }
  }
}
