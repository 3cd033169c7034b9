// index-sync when the engine pushes back: 429s for a whole bulk request and
// for every item of one, injected between our client and the real
// OpenSearch (a real node will not reject writes on demand).
#include <catch2/catch.hpp>

#include <atomic>

#include "connectors/http_transport.h"
#include "index_sync/syncer.h"
#include "index_sync/vector_fields.h"
#include "tests/index_sync/sync_fixture.h"
#include "tests/support/opensearch_env.h"

using namespace rr;
using namespace rr::testing;

namespace {

// Passes everything to the real node except the first `whole` bulk calls
// (answered 429, as an overloaded node does) and the next `per_item` ones
// (answered 200 with every item rejected).
class RejectingTransport final : public connectors::Transport {
 public:
  RejectingTransport(connectors::ClientOptions options, int whole, int per_item)
      : real_(std::move(options)), whole_(whole), per_item_(per_item) {}

  connectors::Result<connectors::HttpResponse> send(const connectors::HttpRequest& request,
                                                    connectors::Deadline deadline) override {
    if (request.path == "/_bulk") {
      const int n = bulks_.fetch_add(1);
      if (n < whole_) {
        return connectors::HttpResponse{
            429, {{"content-type", "application/json"}},
            R"j({"error":{"root_cause":[],"type":"es_rejected_execution_exception",)j"
            R"j("reason":"rejected execution (queue capacity 1)"},"status":429})j"};
      }
      if (n < whole_ + per_item_) {
        const auto items = static_cast<std::size_t>(
            std::count(request.body.begin(), request.body.end(), '\n') / 2);
        std::string body = R"({"took":1,"errors":true,"items":[)";
        for (std::size_t i = 0; i < items; ++i) {
          if (i) body += ',';
          body += R"({"update":{"_index":"x","_id":"i","status":429,"error":{)"
                  R"("type":"es_rejected_execution_exception","reason":"queue full"}}})";
        }
        body += "]}";
        rejected_items_ += static_cast<int>(items);
        return connectors::HttpResponse{200, {{"content-type", "application/json"}}, body};
      }
    }
    return real_.send(request, deadline);
  }

  int rejectedItems() const { return rejected_items_.load(); }

 private:
  connectors::CurlTransport real_;
  int whole_, per_item_;
  std::atomic<int> bulks_{0};
  std::atomic<int> rejected_items_{0};
};

}  // namespace

TEST_CASE("bulk requests and items rejected with 429 are retried and the pass succeeds",
          "[index_sync][opensearch]") {
  auto admin = openSearchClient();
  const auto index = uniqueIndexName("sync-429");
  IndexGuard guard(*admin, index);
  IndexGuard state_guard(*admin, index + "-state");
  const auto items = shopItems(250);
  createShopIndex(*admin, index, items);

  connectors::ClientOptions options;
  options.url = openSearchUrl();
  options.retry.max_attempts = 1;  // the sync's own retries are under test
  auto transport = std::make_shared<RejectingTransport>(options, 2, 2);
  connectors::EngineClient client(options, transport);

  index_sync::SyncOptions o;
  o.storefront = shopStorefront("shop", index);
  o.index = index;
  o.state_index = index + "-state";
  o.storefront.sync.concurrency = 1;
  o.base_backoff = std::chrono::milliseconds(5);
  o.max_backoff = std::chrono::milliseconds(20);
  auto model = randomModel("shop-v1", 9);
  index_sync::Syncer syncer(client, model, o);
  auto report = syncer.run(index_sync::SyncMode::kFull);
  REQUIRE(report);
  CHECK(report->failed == 0);
  CHECK(report->updated == 250);
  CHECK(transport->rejectedItems() == 100);  // two batches of 50, every item
  CHECK(report->retried == 100);
  CHECK(report->switched);
  const auto stored =
      readVectors(*admin, index, index_sync::vectorFields("rr_vector", "shop-v1").vector);
  REQUIRE(stored.size() == 250);
  for (const auto& item : items) CHECK(stored.at(item.id).vector == expectedVector(*model, item));
}

TEST_CASE("items still rejected after every attempt are reported one by one",
          "[index_sync][opensearch]") {
  auto admin = openSearchClient();
  const auto index = uniqueIndexName("sync-429-fail");
  IndexGuard guard(*admin, index);
  IndexGuard state_guard(*admin, index + "-state");
  createShopIndex(*admin, index, shopItems(60));

  connectors::ClientOptions options;
  options.url = openSearchUrl();
  options.retry.max_attempts = 1;
  auto transport = std::make_shared<RejectingTransport>(options, 0, 1000);
  connectors::EngineClient client(options, transport);
  index_sync::SyncOptions o;
  o.storefront = shopStorefront("shop", index);
  o.index = index;
  o.state_index = index + "-state";
  o.max_attempts = 3;
  o.base_backoff = std::chrono::milliseconds(1);
  o.max_backoff = std::chrono::milliseconds(2);
  index_sync::Syncer syncer(client, randomModel("shop-v1", 9), o);
  auto report = syncer.run(index_sync::SyncMode::kFull);
  REQUIRE(report);
  CHECK(report->failed == 60);
  CHECK(report->updated == 0);
  REQUIRE(report->failures.size() == 60);
  CHECK_THAT(report->failures[0].reason, Catch::Contains("es_rejected_execution_exception"));
  CHECK_FALSE(report->switched);  // a pass with failures never switches versions
  CHECK_FALSE(report->checkpoint_ms);
}
