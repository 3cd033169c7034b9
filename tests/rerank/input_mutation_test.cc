// rerankd's parsers of what reaches it from outside that the parsers' own
// tests do not mutate (search bodies: rerank_request_test; the engine's
// answers: parse_robustness_test; config files: config_errors_test), fed
// thousands of broken copies of real inputs: each prefix, bytes swapped
// for JSON's structural characters or for random ones, slices dropped or
// repeated. Whatever comes in, each answers with its result or a named
// error, never a crash (the ASan build runs this too), and the page
// rerankd writes from an engine answer that was JSON is JSON.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "connectors/engine_client.h"
#include "rerank/events.h"
#include "rerank/node_discovery.h"
#include "rerank_core_test_support.h"
#include "tests/support/mutations.h"

using namespace rr::rerank;
using namespace rr::rerank::test;
using rr::testing::brokenCopies;

namespace {

bool validJson(std::string_view text) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  return parser.parse(text.data(), text.size()).get(root) == simdjson::SUCCESS;
}

}  // namespace

TEST_CASE("broken engine answers are refused by name, or make a page that is JSON",
          "[unit][rerank][mutation]") {
  const std::vector<std::string> seeds = {readFixture("window_halo.json"),
                                          readFixture("window_pretty_total_int.json")};
  int accepted = 0, valid = 0;
  for (std::size_t s = 0; s < seeds.size(); ++s) {
    for (const auto& body : brokenCopies(seeds[s], 29 + static_cast<std::uint32_t>(s), 1500)) {
      auto parsed = rr::connectors::parseSearchResponse(body);
      if (!parsed) {
        CHECK_FALSE(parsed.error().message.empty());
        continue;
      }
      ++accepted;
      INFO("accepted answer: " << body);
      const auto order = reversedOrder(*parsed);
      const ResponseParts parts{.window = &*parsed, .order = order, .from = 1, .size = 3,
                                .strip_fields = kVectorFields};
      const std::string page = writeSearchResponse(parts);
      const std::string engine_order = writeEngineOrderPage(parts);
      // A hit's `_source` is copied as the engine wrote it, not parsed: an
      // answer broken only in there (no engine sends one) is accepted, and
      // its page is as broken as the engine's own. From a valid answer,
      // always a valid page.
      if (validJson(body)) {
        ++valid;
        CHECK(validJson(page));
        CHECK(validJson(engine_order));
      }
    }
  }
  CHECK(accepted > 50);
  CHECK(valid > 50);
}

TEST_CASE("broken events, node lists and health answers are judged without a crash",
          "[unit][rerank][mutation]") {
  const std::string events =
      R"({"event_id":"e1","storefront":"shop","user_id":"u1","type":"click","item_id":"sku-1","query":"halo","ts":1765000000000})"
      "\n"
      R"({"event_id":"e2","storefront":"shop","user_id":"u1","session_id":"s1","type":"search","query":"halo 3","request_id":"r-9","ts":1765000000001})"
      "\n";
  int judged_ok = 0;
  for (const auto& body : brokenCopies(events, 43, 1500)) {
    for (const auto& ev : parseEvents(body, 1765000000000)) {
      if (ev.ok) {
        ++judged_ok;
        CHECK_FALSE(ev.event_id.empty());
        CHECK_FALSE(ev.user_id.empty());
      } else {
        CHECK_FALSE(ev.reason.empty());
      }
    }
  }
  CHECK(judged_ok > 100);

  const std::string nodes =
      R"({"nodes":{"a1":{"roles":["data","ingest"],"http":{"publish_address":"10.0.0.1:9200"}},"b2":{"roles":["cluster_manager"],"http":{"publish_address":"search-2.shop.internal/10.0.0.2:9200"}},"c3":{"roles":["data"],"http":{"publish_address":"[::1]:9201"}}}})";
  for (const auto& body : brokenCopies(nodes, 47, 1500)) {
    auto found = parseNodesHttp(body, "https");
    if (!found) {
      CHECK_FALSE(found.error().empty());
      continue;
    }
    for (const auto& url : *found) CHECK(url.starts_with("https://"));
  }

  const std::string health =
      R"({"cluster_name":"shop","status":"yellow","timed_out":false,"number_of_nodes":3,"number_of_data_nodes":3})";
  for (const auto& body : brokenCopies(health, 53, 1000)) {
    auto parsed = rr::connectors::parseClusterHealth(body);
    if (parsed) {
      CHECK_FALSE(parsed->status.empty());
    } else {
      CHECK_FALSE(parsed.error().message.empty());
    }
  }
}
