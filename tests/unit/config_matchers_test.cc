// config/: the passthrough API rules and the index patterns, matched
// against methods, paths and index names.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "config/config.h"
#include "config_test_support.h"

using namespace rr::config;
using namespace rr::config::test;
using namespace std::chrono_literals;

// ---------------------------------------------------------------------------
// Matchers

TEST_CASE("api rules match the method and the path segment by segment", "[unit][config]") {
  struct Case {
    ApiRule rule;
    std::string method;
    std::string path;
    bool matches;
  };
  const std::vector<Case> cases = {
      {{"GET", "/_search"}, "GET", "/_search", true},
      {{"GET", "/_search"}, "POST", "/_search", false},
      {{"GET", "/_search"}, "get", "/_search", false},
      {{"GET", "/_search"}, "HEAD", "/_search", false},
      {{"*", "/_search"}, "DELETE", "/_search", true},
      {{"GET", "/_search"}, "GET", "/_search?q=x", true},
      {{"GET", "/_search"}, "GET", "/_search/", true},
      {{"GET", "/_search"}, "GET", "/_searchx", false},
      {{"GET", "/_search"}, "GET", "/products/_search", false},
      {{"GET", "/_search"}, "GET", "_search", false},
      {{"GET", "/"}, "GET", "/", true},
      {{"GET", "/"}, "GET", "/?pretty", true},
      {{"GET", "/"}, "GET", "/products", false},
      {{"POST", "/*/_count"}, "POST", "/products/_count", true},
      {{"POST", "/*/_count"}, "POST", "/a,b/_count", true},
      {{"POST", "/*/_count"}, "POST", "/_count", false},
      {{"POST", "/*/_count"}, "POST", "//_count", false},
      {{"POST", "/*/_count"}, "POST", "/a/b/_count", false},
      {{"GET", "/_cat/**"}, "GET", "/_cat/indices", true},
      {{"GET", "/_cat/**"}, "GET", "/_cat/indices/products?v", true},
      {{"GET", "/_cat/**"}, "GET", "/_cat", true},
      {{"GET", "/_cat/**"}, "GET", "/_catalog", false},
      {{"GET", "/_cat/**"}, "GET", "/_cat/../_bulk", false},
      {{"GET", "/_cat/**"}, "GET", "/_cat/%2E%2E/_bulk", false},
      {{"GET", "/*/_doc/*"}, "GET", "/products/_doc/42", true},
      {{"GET", "/*/_doc/*"}, "GET", "/./_doc/42", false},
      {{"GET", "/*/_doc/*"}, "GET", "/products/_doc/", false},
      {{"GET", "/**"}, "GET", "/anything/at/all", true},
      {{"GET", "/**"}, "GET", "/", true},
  };
  for (const Case& c : cases) {
    INFO(c.rule.method << " " << c.rule.path << " vs " << c.method << " " << c.path);
    CHECK(matchesApiRule(c.rule, c.method, c.path) == c.matches);
  }
}

TEST_CASE("the default passthrough allows the read-only search APIs and nothing that writes",
          "[unit][config]") {
  const std::vector<ApiRule> rules = defaultPassthrough();
  const auto allowed = [&](std::string_view method, std::string_view path) {
    for (const ApiRule& r : rules) {
      if (matchesApiRule(r, method, path)) return true;
    }
    return false;
  };
  for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
           {"GET", "/"},
           {"HEAD", "/"},
           {"GET", "/_search"},
           {"POST", "/products/_search?typed_keys=true"},
           {"POST", "/_msearch"},
           {"POST", "/products/_msearch"},
           {"GET", "/products/_count"},
           {"POST", "/_count"},
           {"POST", "/products/_mget"},
           {"GET", "/products/_doc/42"},
           {"POST", "/_search/scroll"},
           {"DELETE", "/_search/scroll"},
           {"POST", "/products/_search/point_in_time?keep_alive=1m"},
           {"DELETE", "/_search/point_in_time"},
       }) {
    INFO(method << " " << path);
    CHECK(allowed(method, path));
  }
  for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
           {"POST", "/products/_doc"},
           {"PUT", "/products/_doc/42"},
           {"DELETE", "/products/_doc/42"},
           {"PUT", "/products"},
           {"DELETE", "/products"},
           {"POST", "/_bulk"},
           {"POST", "/products/_bulk"},
           {"POST", "/products/_update/42"},
           {"POST", "/products/_delete_by_query"},
           {"POST", "/products/_update_by_query"},
           {"PUT", "/products/_mapping"},
           {"PUT", "/_cluster/settings"},
           {"DELETE", "/_search/scroll/_all"},
           {"DELETE", "/_search/point_in_time/_all"},
           {"GET", "/_plugins/_knn/stats"},
           {"GET", "/_cat/indices"},
           {"POST", "/_search/../_bulk"},
           {"GET", "/products/_search/../../_cluster/settings"},
       }) {
    INFO(method << " " << path);
    CHECK_FALSE(allowed(method, path));
  }
}

TEST_CASE("the default passthrough rules are valid config rules", "[unit][config]") {
  std::string list;
  for (const ApiRule& r : defaultPassthrough()) list += "  - \"" + r.method + " " + r.path + "\"\n";
  const auto c = mustParse(storefrontWith("passthrough:\n" + list));
  CHECK(sameRules(c->storefronts[0].passthrough, defaultPassthrough()));
}

TEST_CASE("index patterns match names with * as any run of characters", "[unit][config]") {
  CHECK(matchesIndexPattern("products", "products"));
  CHECK_FALSE(matchesIndexPattern("products", "products2"));
  CHECK_FALSE(matchesIndexPattern("products", "product"));
  CHECK_FALSE(matchesIndexPattern("products", "Products"));
  CHECK(matchesIndexPattern("shop-*", "shop-"));
  CHECK(matchesIndexPattern("shop-*", "shop-2024.01"));
  CHECK_FALSE(matchesIndexPattern("shop-*", "shop"));
  CHECK_FALSE(matchesIndexPattern("shop-*", "myshop-1"));
  CHECK(matchesIndexPattern("*-products", "outlet-products"));
  CHECK_FALSE(matchesIndexPattern("*-products", "outlet-products-old"));
  CHECK(matchesIndexPattern("a*b*c", "aXbYc"));
  CHECK(matchesIndexPattern("a*b*c", "abbbc"));
  CHECK(matchesIndexPattern("a*b*c", "abc"));
  CHECK_FALSE(matchesIndexPattern("a*b*c", "acb"));
  CHECK(matchesIndexPattern("*", "anything"));
  CHECK(matchesIndexPattern("*", ""));
  CHECK(matchesIndexPattern("**", "x"));
  CHECK_FALSE(matchesIndexPattern("", "x"));
  CHECK(matchesIndexPattern("", ""));
  CHECK(matchesIndexPattern("shop.v*", "shop.v2"));
  CHECK_FALSE(matchesIndexPattern("shop.v*", "shopXv2"));
}
