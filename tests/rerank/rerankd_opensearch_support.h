// Helpers shared by the tests of rerankd in front of the real OpenSearch
// node: a temporary directory, a one-storefront config, raw calls, and a
// body with its `took` masked.
#pragma once

#include <catch2/catch.hpp>
#include <signal.h>
#include <simdjson.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <regex>

#include "connectors/search_response.h"
#include "index_sync/syncer.h"
#include "scoring/model_file.h"
#include "tests/index_sync/sync_fixture.h"
#include "tests/rerank/rerankd_process.h"
#include "tests/support/fake_upstream.h"
#include "tests/support/opensearch_env.h"

namespace rr::testing {

inline std::filesystem::path tempDir(const std::string& tag) {
  static int n = 0;
  auto dir = std::filesystem::temp_directory_path() /
             ("rr-rerankd-" + tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(++n));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

inline std::string configFor(const std::string& upstream, const std::string& index,
                      const std::string& model, const std::string& extra = "") {
  return "upstream:\n  url: " + upstream +
         "\n  connect_timeout_ms: 300\n  request_timeout_ms: 5000\n"
         "listen:\n  port: 0\nadmin:\n  token: test-token-0123456789\n"
         "storefronts:\n  - name: shop\n    indices: [" +
         index + "]\n    model: " + model + "\n" + extra;
}

inline connectors::HttpResponse call(connectors::EngineClient& c, std::string method, std::string path,
                              std::string body = "", std::string query = "",
                              std::vector<connectors::Header> headers = {}) {
  if (!body.empty()) headers.push_back({"Content-Type", "application/json"});
  auto r = c.raw({std::move(method), std::move(path), std::move(query), std::move(headers),
                  std::move(body)});
  if (!r) FAIL("call failed: " << r.error().message);
  return *r;
}

// The value of the series `series` (`name{labels}`) in rerankd's
// /metrics, or -1 when there is none.
inline long metricValue(RerankdProcess& rerankd, const std::string& series) {
  const auto body = call(rerankd.client(), "GET", "/metrics").body;
  const auto at = body.find(series + " ");
  if (at == std::string::npos) return -1;
  return std::stol(body.substr(at + series.size() + 1));
}

// rerank_upstream_discoveries_total{outcome}, or -1 when there is none.
inline long discoveries(RerankdProcess& rerankd, const std::string& outcome) {
  return metricValue(rerankd, "rerank_upstream_discoveries_total{outcome=\"" + outcome + "\"}");
}

// `took` differs between two calls to the engine; nothing else may.
inline std::string withoutTook(std::string body) {
  return std::regex_replace(body, std::regex("\"took\":[0-9]+"), "\"took\":_");
}

}  // namespace rr::testing
