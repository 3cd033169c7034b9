// rerankd in front of an engine whose answers to the window request come
// back broken: a recorded window (tests/fixtures/rerank/window_halo.json,
// its vector fields renamed to the served model's) cut short, bytes
// swapped, slices dropped or repeated. No real engine sends those, so the
// scripted fake upstream plays it. Whatever comes back, the shopper gets a
// page (reranked, or the engine's order) or an engine-shaped 502, never a
// 500 or a dropped connection, and rerankd serves on.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "index_sync/vector_fields.h"
#include "tests/rerank/rerankd_process.h"
#include "tests/support/fake_upstream.h"
#include "tests/support/mutations.h"

using namespace rr::testing;

namespace {

std::string replaceAll(std::string text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

}  // namespace

TEST_CASE("broken window answers get a page or an engine-shaped 502, never a 500",
          "[rerankd][component]") {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("rr-broken-answers-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string model = saveRandomModel(dir, "answers-v1", 3);
  std::ifstream in(RR_SOURCE_DIR "/tests/fixtures/rerank/window_halo.json");
  REQUIRE(in);
  std::stringstream text;
  text << in.rdbuf();
  // The recorded window as the served model's fields would hold it.
  const auto fields = rr::index_sync::vectorFields("rr_vector", "answers-v1");
  std::string window = replaceAll(text.str(), "rr_vector_1a2b3c4d_m", fields.meta);
  window = replaceAll(window, "rr_vector_1a2b3c4d", fields.vector);
  window = replaceAll(window, "\"v1|", "\"answers-v1|");

  std::vector<CannedResponse> script;
  for (const auto& body : brokenCopies(window, 83, 400)) script.push_back({200, body});
  const std::size_t broken = script.size();
  script.push_back({200, window});  // then the whole answer, for the last search
  FakeUpstream engine(script);
  RerankdProcess rerankd(
      dir, "upstream:\n  url: " + engine.url() +
               "\n  connect_timeout_ms: 300\n  request_timeout_ms: 2000\n"
               "listen:\n  port: 0\nstorefronts:\n  - name: shop\n    indices: [rr_shop]\n"
               "    model: " + model + "\n    deadline_ms: 1000\n"
               "    fields: {title: title, brand: brand, price: price}\n");
  const std::string query = R"({"query":{"match":{"title":"halo"}},"size":3,"from":1})";
  int pages = 0, refused = 0;
  for (std::size_t i = 0; i < broken; ++i) {
    auto r = rerankd.client().raw({"POST", "/rr_shop/_search", "rerank_explain=true",
                                   {{"Content-Type", "application/json"}, {"X-User-Id", "u1"}},
                                   query});
    REQUIRE(r);  // an answer, not a dropped connection
    INFO("engine's answer: " << script[i].body << "\nrerankd's: " << r->body);
    CHECK((r->status == 200 || r->status == 502));
    if (r->status == 200) {
      ++pages;
      CHECK_FALSE(r->header("X-Rerank").empty());
    } else {
      ++refused;
      CHECK(r->body.starts_with(R"({"error":{"root_cause":[{"type":"rerank_upstream_exception")"));
    }
  }
  CHECK(pages > 20);
  CHECK(refused > 200);
  // The whole answer: a reranked page.
  auto whole = rerankd.client().raw({"POST", "/rr_shop/_search", "",
                                     {{"Content-Type", "application/json"}, {"X-User-Id", "u1"}},
                                     query});
  REQUIRE(whole);
  CHECK(whole->status == 200);
  CHECK(whole->header("X-Rerank") == "applied");
  CHECK(rerankd.stop() == 0);
  std::filesystem::remove_all(dir);
}
