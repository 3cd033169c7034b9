// Helpers shared by the tests of rerank/'s pure core: fixtures recorded
// from OpenSearch 3.6.0 (tests/fixtures/rerank/README.md), planSearch
// wrappers, and a DOM re-parse of every output with simdjson's parser,
// independent of the scanner under test.
#pragma once

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
#include <memory>

namespace rr::rerank::test {

namespace dom = simdjson::dom;

const std::vector<std::string> kVectorFields = {"rr_vector_1a2b3c4d", "rr_vector_1a2b3c4d_m"};

inline std::string readFixture(std::string_view name) {
  const std::string path = std::string(RR_SOURCE_DIR "/tests/fixtures/rerank/") + std::string(name);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("missing fixture " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline rr::config::StorefrontConfig storefront(int window = 100) {
  rr::config::StorefrontConfig sf;
  sf.name = "shop";
  sf.indices = {"rr_shop"};
  sf.window = window;
  sf.user_id = {rr::config::IdSource::Kind::kBody, "user_id"};
  sf.session_id = {rr::config::IdSource::Kind::kBody, "session_id"};
  return sf;
}

inline SearchPlan planOk(std::string_view body, std::string_view query = {},
                  const rr::config::StorefrontConfig& sf = storefront()) {
  auto r = planSearch({.body = body, .query = query}, sf, kVectorFields);
  if (!r) FAIL("planSearch failed: " << r.error().type << ": " << r.error().reason);
  return *r;
}

inline RequestError planErr(std::string_view body, std::string_view query = {}) {
  auto r = planSearch({.body = body, .query = query}, storefront(), kVectorFields);
  if (r) FAIL("planSearch accepted " << body << " ?" << query);
  return r.error();
}

// A DOM of `json` that stays valid as long as the returned parser lives.
struct Parsed {
  dom::parser parser;
  dom::element root;
};

inline std::unique_ptr<Parsed> parseJson(std::string_view json) {
  auto p = std::make_unique<Parsed>();
  auto err = p->parser.parse(json.data(), json.size()).get(p->root);
  if (err) FAIL("not valid JSON (" << simdjson::error_message(err) << "): " << json);
  return p;
}

inline std::string minified(dom::element e) { return simdjson::minify(e); }

inline int64_t intAt(dom::element e, std::string_view key) {
  int64_t v = 0;
  REQUIRE_FALSE(e[key].get(v));
  return v;
}

inline std::vector<std::string> stringsAt(dom::element e, std::string_view key) {
  std::vector<std::string> out;
  dom::array arr;
  REQUIRE_FALSE(e[key].get(arr));
  for (dom::element x : arr) {
    std::string_view s;
    if (!x.get(s)) out.emplace_back(s);
  }
  return out;
}

inline std::vector<std::string> topKeys(dom::element e) {
  std::vector<std::string> keys;
  dom::object obj;
  REQUIRE_FALSE(e.get(obj));
  for (auto [k, v] : obj) keys.emplace_back(k);
  return keys;
}

inline rr::connectors::SearchResponse window(std::string_view fixture) {
  auto r = rr::connectors::parseSearchResponse(readFixture(fixture));
  if (!r) FAIL("fixture does not parse: " << r.error().message);
  return std::move(*r);
}

// The `took` value replaced by 0, for comparing with a recorded response.
inline std::string withoutTook(const std::string& s) {
  return std::regex_replace(s, std::regex(R"("took"\s*:\s*\d+)"), "\"took\":0");
}

struct OutHit {
  std::string id;
  double score = 0;
  std::map<std::string, std::string> members;  // key -> minified value
  std::vector<std::string> keys;               // in order
};

inline std::vector<OutHit> outHits(const std::string& response) {
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

inline std::vector<RankedHit> engineOrder(const rr::connectors::SearchResult& w) {
  std::vector<RankedHit> order;
  for (std::size_t i = 0; i < w.hits.size(); ++i) order.push_back({i, *w.hits[i].score});
  return order;
}

// A fixed permutation of the window with new, decreasing scores.
inline std::vector<RankedHit> reversedOrder(const rr::connectors::SearchResult& w) {
  std::vector<RankedHit> order;
  for (std::size_t i = 0; i < w.hits.size(); ++i) {
    order.push_back({w.hits.size() - 1 - i, 10.0 - static_cast<double>(i) * 0.5});
  }
  return order;
}

}  // namespace rr::rerank::test
