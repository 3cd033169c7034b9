// index-sync against the real OpenSearch node: full and incremental passes,
// a model change that readers never see half-done, a deleted item that stays
// deleted, and a kill -9 in the middle of a pass.
#include <catch2/catch.hpp>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "connectors/json_writer.h"
#include "index_sync/sync_state.h"
#include "index_sync/syncer.h"
#include "index_sync/vector_fields.h"
#include "scoring/model_file.h"
#include "tests/index_sync/sync_fixture.h"
#include "tests/support/run_program.h"
#include "tests/support/opensearch_env.h"

using namespace rr;
using namespace rr::testing;
using index_sync::SyncMode;

namespace {

// Each test keeps its sync state in its own state index.
struct Shop {
  std::unique_ptr<connectors::EngineClient> client = openSearchClient();
  std::string index;
  std::string state_index;
  std::unique_ptr<IndexGuard> guard, state_guard;
  std::vector<ShopItem> items;

  Shop(const std::string& tag, int n, bool knn = false) {
    index = uniqueIndexName(tag);
    state_index = index + "-state";
    guard = std::make_unique<IndexGuard>(*client, index);
    state_guard = std::make_unique<IndexGuard>(*client, state_index);
    items = shopItems(n);
    createShopIndex(*client, index, items, knn);
  }

  index_sync::SyncOptions options(bool with_updated_at = true) const {
    index_sync::SyncOptions o;
    o.storefront = shopStorefront("shop", index, with_updated_at);
    o.index = index;
    o.state_index = state_index;
    return o;
  }

  index_sync::SyncReport sync(std::shared_ptr<const scoring::Model> model, SyncMode mode,
                              index_sync::SyncOptions o) {
    index_sync::Syncer syncer(*client, std::move(model), std::move(o));
    auto r = syncer.run(mode);
    if (!r) FAIL("sync failed: " << r.error().message);
    return *r;
  }

  index_sync::SyncState state() {
    index_sync::StateStore store(*client, state_index);
    auto s = store.load("shop");
    REQUIRE(s);
    return *s;
  }

  void update(const std::string& id, const std::string& doc_json) {
    connectors::BulkOp op{connectors::BulkOp::Action::kUpdate, index, id,
                          "{\"doc\":" + doc_json + "}"};
    auto r = client->bulk(std::span(&op, 1), "true");
    REQUIRE(r);
    REQUIRE(r->allOk());
  }
};

void requireAllVectorsOf(const scoring::Model& model, const std::vector<ShopItem>& items,
                         const std::map<std::string, StoredVector>& stored) {
  REQUIRE(stored.size() == items.size());
  for (const auto& item : items) {
    const auto& sv = stored.at(item.id);
    INFO("item " << item.id);
    REQUIRE(sv.meta.rfind(model.version + "|", 0) == 0);
    const auto want = expectedVector(model, item);
    REQUIRE(sv.vector == want);  // bit for bit: the same tower, the same floats
  }
}

}  // namespace

namespace {

// The config the index-sync binary reads in these tests: storefront "shop"
// on `index`, the model in `dir`/model.rrm, stored vectors. Its path.
std::string writeSyncConfig(const std::filesystem::path& dir, const std::string& index) {
  const auto path = (dir / "rerankd.yaml").string();
  std::ofstream out(path);
  out << "upstream:\n  url: " << openSearchUrl() << "\n"
      << "storefronts:\n  - name: shop\n    indices: [" << index << "]\n"
      << "    model: model.rrm\n"
      << "    fields: {title: title, description: description, brand: brand, "
         "category: category, price: price, updated_at: updated_at}\n"
      << "    vector: {field: rr_vector, mode: stored}\n";
  return path;
}

}  // namespace

TEST_CASE("a full sync writes every item's vector, and vectors stay out of _source",
          "[index_sync][opensearch]") {
  Shop shop("sync-full", 600);
  auto model = randomModel("shop-v1", 1);
  const auto report = shop.sync(model, SyncMode::kFull, shop.options());
  CHECK(report.scanned == 600);
  CHECK(report.updated == 600);
  CHECK(report.failed == 0);
  CHECK(report.switched);
  const auto fields = index_sync::vectorFields("rr_vector", "shop-v1");
  requireAllVectorsOf(*model, shop.items, readVectors(*shop.client, shop.index, fields.vector));

  const auto state = shop.state();
  REQUIRE(state.active);
  CHECK(state.active->version == "shop-v1");
  CHECK(state.active->field == fields.vector);
  CHECK_FALSE(state.building);
  CHECK(state.checkpoint_ms == shop.items.back().updated_at);

  // A shopper's search gets the document without any vector field.
  auto page = shop.client->search(shop.index, R"({"size":50,"query":{"match_all":{}}})");
  REQUIRE(page);
  REQUIRE(page->hits.size() == 50);
  for (const auto& hit : page->hits) {
    CHECK(hit.raw.find("rr_vector") == std::string_view::npos);
    CHECK(hit.source.find("\"title\"") != std::string_view::npos);
  }

  SECTION("a second pass finds everything current and writes nothing") {
    const auto again = shop.sync(model, SyncMode::kFull, shop.options());
    CHECK(again.scanned == 600);
    CHECK(again.updated == 0);
    CHECK(again.skipped == 600);
  }
}

TEST_CASE("the scan asks for whole documents only while they hold nothing but what it reads",
          "[index_sync][opensearch]") {
  Shop shop("sync-source", 300);
  auto v1 = randomModel("shop-v1", 1);
  // The shop's mapping has only the fields the pass reads (and the vectors,
  // kept out of `_source`): the stored `_source` is fetched as it is.
  const auto first = shop.sync(v1, SyncMode::kFull, shop.options());
  CHECK_FALSE(first.source_filtered);
  CHECK(first.updated == 300);
  requireAllVectorsOf(*v1, shop.items,
                      readVectors(*shop.client, shop.index,
                                  index_sync::vectorFields("rr_vector", "shop-v1").vector));

  // A field the pass does not read appears (mapped dynamically): from now
  // on the scan filters, and every vector is still right.
  shop.update(shop.items[5].id, R"({"image_url":"https://img.example/5.jpg"})");
  auto v2 = randomModel("shop-v2", 2);
  const auto second = shop.sync(v2, SyncMode::kFull, shop.options());
  CHECK(second.source_filtered);
  CHECK(second.updated == 300);
  requireAllVectorsOf(*v2, shop.items,
                      readVectors(*shop.client, shop.index,
                                  index_sync::vectorFields("rr_vector", "shop-v2").vector));

  SECTION("a mapping that is not dynamic may hide unmapped fields: always filtered") {
    Shop strict("sync-nodyn", 20);
    REQUIRE(strict.client->putMapping(strict.index, R"({"dynamic":false})"));
    const auto r = strict.sync(v1, SyncMode::kFull, strict.options());
    CHECK(r.source_filtered);
    CHECK(r.updated == 20);
  }
}

TEST_CASE("editing three items then an incremental pass rewrites exactly those three",
          "[index_sync][opensearch]") {
  Shop shop("sync-incr", 400);
  auto model = randomModel("shop-v1", 2);
  const bool by_time = GENERATE(true, false);
  INFO((by_time ? "by updated_at" : "by content hash"));
  REQUIRE(shop.sync(model, SyncMode::kFull, shop.options(by_time)).updated == 400);

  for (int k : {7, 123, 301}) {
    auto& item = shop.items[static_cast<std::size_t>(k)];
    item.title = "Renamed " + item.title;
    item.price += 10;
    item.updated_at = 1'800'000'000'000 + k;
    shop.update(item.id, shopItemJson(item));
  }
  const auto report = shop.sync(model, SyncMode::kIncremental, shop.options(by_time));
  CHECK(report.updated == 3);
  CHECK(report.failed == 0);
  if (by_time) {
    // Only what changed since the checkpoint, plus the item at the checkpoint
    // itself (>=: an edit in the same millisecond must not be missed).
    CHECK(report.scanned == 4);
    CHECK(report.skipped == 1);
    CHECK(report.how.find("updated_at") != std::string::npos);
    CHECK(shop.state().checkpoint_ms == 1'800'000'000'301);
  } else {
    CHECK(report.scanned == 400);
    CHECK(report.skipped == 397);
  }
  const auto fields = index_sync::vectorFields("rr_vector", "shop-v1");
  requireAllVectorsOf(*model, shop.items, readVectors(*shop.client, shop.index, fields.vector));
}

TEST_CASE("a model change re-vectorizes every item and readers never see two versions",
          "[index_sync][opensearch]") {
  Shop shop("sync-model", 500);
  auto v1 = randomModel("shop-v1", 3);
  auto v2 = randomModel("shop-v2", 4);
  REQUIRE(shop.sync(v1, SyncMode::kFull, shop.options()).switched);

  // A reader does what rerankd does: read which version is active, fetch
  // that version's field with the candidates. During the v2 pass it must
  // always find every item with a v1 vector.
  std::atomic<int> checks{0};
  auto reader = [&](const std::vector<connectors::BulkOp>&) {
    const auto state = shop.state();
    REQUIRE(state.active);
    const auto stored = readVectors(*shop.client, shop.index, state.active->field);
    REQUIRE(stored.size() == shop.items.size());
    for (const auto& [id, sv] : stored) {
      INFO("item " << id << " meta '" << sv.meta << "'");
      REQUIRE(sv.meta.rfind(state.active->version + "|", 0) == 0);
      REQUIRE(sv.vector.size() == 16);
    }
    ++checks;
  };
  auto o = shop.options();
  o.storefront.sync.concurrency = 1;
  o.storefront.sync.batch_size = 100;
  o.before_bulk = reader;
  const auto report = shop.sync(v2, SyncMode::kIncremental, o);
  CHECK(report.building);
  CHECK(report.switched);
  CHECK(report.updated == 500);
  CHECK(report.how.find("full") != std::string::npos);
  CHECK(checks.load() == 5);
  // Before the switch the v1 vectors were untouched by the v2 writes.
  CHECK(shop.state().active->version == "shop-v2");
  requireAllVectorsOf(*v2, shop.items,
                      readVectors(*shop.client, shop.index,
                                  index_sync::vectorFields("rr_vector", "shop-v2").vector));
}

TEST_CASE("an item deleted during a pass stays deleted, and one edited during it is re-read",
          "[index_sync][opensearch]") {
  Shop shop("sync-delete", 300);
  auto model = randomModel("shop-v1", 5);
  auto o = shop.options();
  o.storefront.sync.concurrency = 1;
  std::atomic<bool> done{false};
  std::string deleted_id, edited_id;
  o.before_bulk = [&](const std::vector<connectors::BulkOp>& ops) {
    if (done.exchange(true)) return;
    deleted_id = ops[0].id;
    edited_id = ops[1].id;
    connectors::BulkOp del{connectors::BulkOp::Action::kDelete, shop.index, deleted_id, ""};
    REQUIRE(shop.client->bulk(std::span(&del, 1), "true"));
    auto& item = *std::find_if(shop.items.begin(), shop.items.end(),
                               [&](const ShopItem& i) { return i.id == edited_id; });
    item.title = "Edited while syncing";
    shop.update(edited_id, shopItemJson(item));
  };
  const auto report = shop.sync(model, SyncMode::kFull, o);
  CHECK(report.deleted == 1);
  CHECK(report.failed == 0);
  CHECK(report.updated == 299);
  CHECK(report.retried >= 1);
  auto get = shop.client->raw({"GET", "/" + shop.index + "/_doc/" + deleted_id, "", {}, ""});
  REQUIRE(get);
  CHECK(get->status == 404);
  std::erase_if(shop.items, [&](const ShopItem& i) { return i.id == deleted_id; });
  requireAllVectorsOf(*model, shop.items,
                      readVectors(*shop.client, shop.index,
                                  index_sync::vectorFields("rr_vector", "shop-v1").vector));
  // And later passes do not bring it back either.
  shop.sync(model, SyncMode::kFull, shop.options());
  auto again = shop.client->raw({"GET", "/" + shop.index + "/_doc/" + deleted_id, "", {}, ""});
  REQUIRE(again);
  CHECK(again->status == 404);
}

TEST_CASE("an index that keeps vectors in _source is refused with the reason",
          "[index_sync][opensearch]") {
  auto client = openSearchClient();
  const auto index = uniqueIndexName("sync-nosrc");
  IndexGuard guard(*client, index);
  IndexGuard state_guard(*client, index + "-state");
  REQUIRE(client->createIndex(index, R"({"mappings":{"properties":{"title":{"type":"text"}}}})"));
  index_sync::SyncOptions o;
  o.storefront = shopStorefront("shop", index);
  o.state_index = index + "-state";
  index_sync::Syncer syncer(*client, randomModel("v1", 1), o);
  auto r = syncer.run(SyncMode::kFull);
  REQUIRE_FALSE(r);
  CHECK_THAT(r.error().message, Catch::Contains("_source") && Catch::Contains("excludes"));
}

TEST_CASE("with the k-NN plugin the vectors are searchable by nearest neighbour",
          "[index_sync][opensearch]") {
  auto client = openSearchClient();
  auto plugins = client->raw({"GET", "/_cat/plugins", "format=json", {}, ""});
  REQUIRE(plugins);
  if (plugins->body.find("opensearch-knn") == std::string::npos) {
    WARN("SKIPPED: the node has no k-NN plugin (scripts/test.sh starts it with RR_OPENSEARCH_KNN=1)");
    return;
  }
  Shop shop("sync-knn", 200, /*knn=*/true);
  auto model = randomModel("shop-v1", 6);
  auto o = shop.options();
  o.storefront.vector.mode = config::VectorConfig::Mode::kKnn;
  const auto report = shop.sync(model, SyncMode::kFull, o);
  CHECK(report.knn);
  CHECK(report.updated == 200);
  // The nearest item to an item's own vector is that item.
  const auto fields = index_sync::vectorFields("rr_vector", "shop-v1");
  const auto want = expectedVector(*model, shop.items[42]);
  std::string vec = "[";
  for (std::size_t i = 0; i < want.size(); ++i) vec += (i ? "," : "") + std::to_string(want[i]);
  vec += "]";
  auto hits = shop.client->search(
      shop.index, "{\"size\":3,\"query\":{\"knn\":{" + connectors::jsonString(fields.knn) +
                      ":{\"vector\":" + vec + ",\"k\":3}}}}");
  REQUIRE(hits);
  REQUIRE_FALSE(hits->hits.empty());
  CHECK(hits->hits[0].id == shop.items[42].id);
  CHECK(hits->hits[0].raw.find("rr_vector") == std::string_view::npos);
}

TEST_CASE("killed with SIGKILL in the middle of a pass, a rerun finishes the work",
          "[index_sync][opensearch]") {
  // Big enough, in batches small enough, that the pass lasts seconds; a
  // short refresh interval lets the test see how far it got.
  constexpr int kItems = 20000;
  Shop shop("sync-kill", kItems);
  REQUIRE(shop.client->raw({"PUT", "/" + shop.index + "/_settings", "",
                            {{"Content-Type", "application/json"}},
                            R"({"index":{"refresh_interval":"100ms"}})"}));
  auto model = std::const_pointer_cast<scoring::Model>(randomModel("shop-v1", 7));
  const auto dir = std::filesystem::temp_directory_path() /
                   ("rr-sync-kill-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  REQUIRE(scoring::saveModel(*model, (dir / "model.rrm").string()));
  const auto config_path = writeSyncConfig(dir, shop.index);
  auto run = [&](bool background) -> pid_t {
    const pid_t pid = ::fork();
    if (pid == 0) {
      const std::string out = (dir / "out.json").string();
      std::freopen(out.c_str(), "w", stdout);
      ::execl(RR_INDEX_SYNC_BIN, RR_INDEX_SYNC_BIN, "--config", config_path.c_str(),
              "--storefront", "shop", "--mode", "full", "--state-index",
              shop.state_index.c_str(), "--batch-size", "5", "--concurrency", "1",
              "--quiet", static_cast<char*>(nullptr));
      std::_Exit(127);
    }
    if (!background) {
      int status = 0;
      ::waitpid(pid, &status, 0);
      CHECK(WIFEXITED(status));
      CHECK(WEXITSTATUS(status) == 0);
    }
    return pid;
  };
  const auto fields = index_sync::vectorFields("rr_vector", "shop-v1");
  auto written = [&] {
    auto r = shop.client->raw({"POST", "/" + shop.index + "/_count", "",
                               {{"Content-Type", "application/json"}},
                               "{\"query\":{\"exists\":{\"field\":" +
                                   connectors::jsonString(fields.meta) + "}}}"});
    REQUIRE(r);
    const auto at = r->body.find("\"count\":");
    return std::stoi(r->body.substr(at + 8));
  };

  const pid_t pid = run(true);
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  int before_kill = 0;
  while ((before_kill = written()) < 1000 && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  REQUIRE(WIFSIGNALED(status));
  // A bulk the engine had already received still lands: let it, then look.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  REQUIRE(shop.client->refresh(shop.index));
  const int after_kill = written();
  INFO("written before the kill: " << after_kill);
  REQUIRE(after_kill >= 1000);
  REQUIRE(after_kill < kItems);  // really killed mid-pass
  CHECK_FALSE(shop.state().active);  // never switched

  run(false);
  std::ifstream in(dir / "out.json");
  std::string json((std::istreambuf_iterator<char>(in)), {});
  INFO(json);
  // The rerun writes exactly what the killed run had not.
  CHECK(json.find("\"updated\":" + std::to_string(kItems - after_kill) + ",") != std::string::npos);
  CHECK(json.find("\"skipped\":" + std::to_string(after_kill) + ",") != std::string::npos);
  CHECK(json.find("\"failed\":0") != std::string::npos);
  const auto state = shop.state();
  REQUIRE(state.active);
  CHECK(state.active->version == "shop-v1");
  requireAllVectorsOf(*model, shop.items, readVectors(*shop.client, shop.index, fields.vector));
  auto count = shop.client->raw({"GET", "/" + shop.index + "/_count", "", {}, ""});
  REQUIRE(count);
  CHECK(count->body.find("\"count\":" + std::to_string(kItems)) != std::string::npos);
  std::filesystem::remove_all(dir);
}

namespace {

// Runs the index-sync binary with `args`.
rr::testing::ProgramRun runIndexSync(const std::vector<std::string>& args) {
  return rr::testing::runProgram(RR_INDEX_SYNC_BIN, args);
}

}  // namespace

TEST_CASE("the CLI exits 1 and names each item when writes fail, 2 on a bad invocation",
          "[index_sync][opensearch]") {
  Shop shop("sync-cli", 40);
  const auto dir = std::filesystem::temp_directory_path() /
                   ("rr-sync-cli-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto model = randomModel("shop-v1", 3);
  REQUIRE(scoring::saveModel(*model, (dir / "model.rrm").string()));
  const auto config_path = writeSyncConfig(dir, shop.index);
  const std::vector<std::string> args{"--config", config_path, "--storefront", "shop",
                                      "--mode", "full", "--state-index", shop.state_index,
                                      "--quiet"};
  auto setWriteBlock = [&](bool on) {
    auto r = shop.client->raw({"PUT", "/" + shop.index + "/_settings", "",
                               {{"Content-Type", "application/json"}},
                               std::string("{\"index.blocks.write\":") +
                                   (on ? "true" : "false") + "}"});
    REQUIRE(r);
    REQUIRE(r->status == 200);
  };

  // The index refuses every write (the engine answers each bulk item 403):
  // nothing is acknowledged, so each item is a failure.
  setWriteBlock(true);
  const auto blocked = runIndexSync(args);
  setWriteBlock(false);
  INFO("stdout: " << blocked.out << "\nstderr: " << blocked.err);
  CHECK(blocked.exit_code == 1);
  CHECK(blocked.out.find("\"failed\":40,") != std::string::npos);
  CHECK(blocked.out.find("\"updated\":0,") != std::string::npos);
  CHECK(blocked.out.find("\"switched\":false") != std::string::npos);
  CHECK(blocked.err.find("failed " + shop.items[0].id + ": cluster_block_exception") !=
        std::string::npos);
  CHECK_FALSE(shop.state().active);  // a failed pass never switches versions

  // Writes allowed again, the same command finishes the work and exits 0.
  const auto again = runIndexSync(args);
  INFO("rerun stdout: " << again.out << "\nstderr: " << again.err);
  CHECK(again.exit_code == 0);
  CHECK(again.out.find("\"updated\":40,") != std::string::npos);
  CHECK(again.out.find("\"failed\":0,") != std::string::npos);
  REQUIRE(shop.state().active);
  requireAllVectorsOf(*model, shop.items,
                      readVectors(*shop.client, shop.index,
                                  index_sync::vectorFields("rr_vector", "shop-v1").vector));

  // A storefront the config does not have: a usage error, exit 2, named.
  auto bad = args;
  bad[3] = "no-such-shop";
  const auto usage = runIndexSync(bad);
  CHECK(usage.exit_code == 2);
  CHECK(usage.err.find("no-such-shop") != std::string::npos);
  std::filesystem::remove_all(dir);
}
