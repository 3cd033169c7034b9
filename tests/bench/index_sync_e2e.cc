// End-to-end benchmark of index-sync against a real OpenSearch: a full pass
// over a catalog next to a plain `_bulk` update of the same precomputed
// vectors (same batch size, same number of requests in flight, same index),
// and incremental passes after 1% of the items changed. Run through
// scripts/bench-sync.sh, which starts the node and unpacks the catalog.
//
//   index_sync_e2e --engine URL (--catalog products.csv | --generate N) [--reps 3]
//
// Prints each repetition and then medians and ratios measured in this run.
#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "config/config.h"
#include "connectors/engine_client.h"
#include "connectors/json_writer.h"
#include "index_sync/syncer.h"
#include "index_sync/vector_fields.h"
#include "scoring/data/retrotech_catalog.h"
#include "scoring/model.h"

namespace {

using namespace rr;
using Clock = std::chrono::steady_clock;

constexpr int kBatch = 500;
constexpr int kConcurrency = 2;

struct Item {
  scoring::ItemText text;
  int64_t updated_at = 0;
};

std::string docJson(const Item& item) {
  using connectors::jsonString;
  std::string out = "{\"title\":" + jsonString(item.text.title) +
                    ",\"description\":" + jsonString(item.text.description) +
                    ",\"brand\":" + jsonString(item.text.brand) +
                    ",\"category\":" + jsonString(item.text.category);
  if (item.text.price) out += ",\"price\":" + std::to_string(*item.text.price);
  return out + ",\"updated_at\":" + std::to_string(item.updated_at) + "}";
}

[[noreturn]] void die(const std::string& what) {
  std::cerr << "index_sync_e2e: " << what << "\n";
  std::exit(1);
}

// Sends `ops` in batches of kBatch with kConcurrency requests in flight.
void bulkAll(connectors::EngineClient& client, const std::vector<connectors::BulkOp>& ops) {
  std::mutex mu;
  std::size_t next = 0;
  std::vector<std::thread> pool;
  for (int w = 0; w < kConcurrency; ++w) {
    pool.emplace_back([&] {
      while (true) {
        std::size_t start;
        {
          std::lock_guard lock(mu);
          if (next >= ops.size()) return;
          start = next;
          next += kBatch;
        }
        const auto end = std::min(ops.size(), start + kBatch);
        auto r = client.bulk(std::span(ops.data() + start, end - start));
        if (!r || !r->allOk()) die("bulk failed");
      }
    });
  }
  for (auto& t : pool) t.join();
}

void createIndex(connectors::EngineClient& client, const std::string& index,
                 const std::vector<Item>& items) {
  (void)client.deleteIndex(index);
  auto created = client.createIndex(
      index, R"({"settings":{"number_of_shards":1,"number_of_replicas":0},"mappings":{)"
             R"("_source":{"excludes":["rr_vector*"]},"properties":{)"
             R"("title":{"type":"text"},"description":{"type":"text"},)"
             R"("brand":{"type":"keyword"},"category":{"type":"keyword"},)"
             R"("price":{"type":"float"},"updated_at":{"type":"date","format":"epoch_millis"}}}})");
  if (!created) die("create index: " + created.error().message);
  std::vector<connectors::BulkOp> ops;
  for (const auto& item : items) {
    ops.push_back({connectors::BulkOp::Action::kIndex, index, item.text.id, docJson(item)});
  }
  bulkAll(client, ops);
  if (!client.refresh(index)) die("refresh failed");
}

config::StorefrontConfig storefront(const std::string& index, bool by_time) {
  config::StorefrontConfig sf;
  sf.name = "bench";
  sf.indices = {index};
  sf.sync_index = index;
  sf.fields.title = "title";
  sf.fields.description = "description";
  sf.fields.brand = "brand";
  sf.fields.category = "category";
  sf.fields.price = "price";
  if (by_time) sf.fields.updated_at = "updated_at";
  sf.vector.mode = config::VectorConfig::Mode::kStored;
  sf.sync.batch_size = kBatch;
  sf.sync.concurrency = kConcurrency;
  sf.sync.page_size = 1000;
  return sf;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  std::string engine, catalog;
  int generate = 0, reps = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--engine") engine = value;
    else if (flag == "--catalog") catalog = value;
    else if (flag == "--generate") generate = std::stoi(value);
    else if (flag == "--reps") reps = std::stoi(value);
    else die("unknown flag " + flag);
  }
  if (engine.empty() || (catalog.empty() && generate <= 0)) {
    die("usage: index_sync_e2e --engine URL (--catalog products.csv | --generate N) [--reps 3]");
  }

  std::vector<Item> items;
  const int64_t t0 = 1'700'000'000'000;
  if (!catalog.empty()) {
    auto products = scoring::data::readRetrotechCatalog(catalog);
    if (!products) die(catalog + ": " + products.error().toString());
    for (const auto& p : *products) {
      items.push_back({{p.id, p.title, p.description, p.brand, p.category, p.price},
                       t0 + static_cast<int64_t>(items.size())});
    }
  } else {
    std::mt19937 rng(7);
    for (int i = 0; i < generate; ++i) {
      const std::string n = std::to_string(i);
      items.push_back({{"g" + n, "Product " + n + " model " + std::to_string(rng() % 997),
                        "Generated item number " + n, "Brand " + std::to_string(rng() % 50),
                        "Category " + std::to_string(rng() % 12), 1.0 + rng() % 900},
                       t0 + i});
    }
  }
  std::printf("catalog: %zu items (%s)\n", items.size(),
              catalog.empty() ? "generated" : catalog.c_str());

  connectors::ClientOptions options;
  options.url = engine;
  options.request_timeout = std::chrono::seconds(120);
  auto client = connectors::EngineClient::create(options);
  if (!client) die(client.error().message);

  // The model's cost is what is measured: full size (d = 32, 131072 token
  // buckets), random weights (a trained model costs the same).
  auto model = std::make_shared<scoring::Model>(scoring::ModelDims{}, scoring::TokenizerSettings{}, 1);
  std::vector<double> plain_rate, sync_rate, ratio, incr_time_share, hash_time_share, full_s;
  std::vector<double> incr_s, hash_s, tower_s, scan_s;
  for (int rep = 0; rep < reps; ++rep) {
    const std::string index = "rr-bench-sync-" + std::to_string(rep);
    createIndex(**client, index, items);

    // The plain bulk: the same vectors, precomputed, into their own fields.
    model->version = "plain-" + std::to_string(rep);
    const auto plain_fields = index_sync::vectorFields("rr_vector", model->version);
    if (!(*client)->putMapping(index, index_sync::vectorMapping(plain_fields, model->dim(), false))) {
      die("put mapping");
    }
    // Where a full pass's time can go, each part alone: the item tower over
    // every item on one thread, and a scan of every document (what
    // index-sync reads) without writing.
    {
      std::vector<float> scratch(static_cast<std::size_t>(model->dim()));
      const auto t_tower = Clock::now();
      for (const auto& item : items) model->itemVector(model->itemInput(item.text), scratch.data());
      tower_s.push_back(std::chrono::duration<double>(Clock::now() - t_tower).count());
      connectors::ScanRequest scan;
      scan.index = index;
      scan.source = R"(["title","description","brand","category","price","updated_at"])";
      scan.extra_body = "\"seq_no_primary_term\":true";
      const auto t_scan = Clock::now();
      auto scanned = (*client)->scan(scan, [](const connectors::SearchResponse&) { return true; });
      if (!scanned || scanned->documents != items.size()) die("scan");
      scan_s.push_back(std::chrono::duration<double>(Clock::now() - t_scan).count());
    }
    std::vector<connectors::BulkOp> plain_ops;
    std::vector<float> v(static_cast<std::size_t>(model->dim()));
    for (const auto& item : items) {
      model->itemVector(model->itemInput(item.text), v.data());
      plain_ops.push_back(
          {connectors::BulkOp::Action::kUpdate, index, item.text.id,
           "{\"doc\":{" + connectors::jsonString(plain_fields.vector) + ":" +
               connectors::jsonString(index_sync::encodeVector(v)) + "," +
               connectors::jsonString(plain_fields.meta) + ":" +
               connectors::jsonString(index_sync::metaValue(model->version,
                                                            index_sync::contentHash(item.text))) +
               "}}"});
    }
    auto runPlain = [&] {
      const auto start = Clock::now();
      bulkAll(**client, plain_ops);
      if (!(*client)->refresh(index)) die("refresh");
      return std::chrono::duration<double>(Clock::now() - start).count();
    };
    index_sync::SyncOptions o;
    o.storefront = storefront(index, true);
    o.index = index;
    o.state_index = index + "-state";
    (void)(*client)->deleteIndex(o.state_index);
    auto runSync = [&](index_sync::SyncMode mode, const index_sync::SyncOptions& opts) {
      index_sync::Syncer syncer(**client, model, opts);
      auto r = syncer.run(mode);
      if (!r) die("sync: " + r.error().message);
      if (r->failed) die("sync: " + std::to_string(r->failed) + " items failed");
      return *r;
    };
    // Alternate which goes first, so neither always meets a colder node.
    double plain_s = 0;
    index_sync::SyncReport full;
    model->version = "sync-" + std::to_string(rep);
    if (rep % 2 == 0) {
      plain_s = runPlain();
      full = runSync(index_sync::SyncMode::kFull, o);
    } else {
      full = runSync(index_sync::SyncMode::kFull, o);
      plain_s = runPlain();
      // The plain updates rewrote every document from its `_source`, which
      // holds no vectors: write them again (untimed) before the incremental
      // passes.
      runSync(index_sync::SyncMode::kFull, o);
    }
    if (full.updated != items.size()) die("full sync did not write every item");

    // 1% of the items change (title and updated_at), then incremental passes.
    std::vector<connectors::BulkOp> edits;
    for (std::size_t i = 0; i < items.size(); i += 100) {
      Item changed = items[i];
      changed.text.title += " (new edition)";
      changed.updated_at = t0 + 10'000'000 + static_cast<int64_t>(i);
      edits.push_back({connectors::BulkOp::Action::kUpdate, index, changed.text.id,
                       "{\"doc\":" + docJson(changed) + "}"});
    }
    bulkAll(**client, edits);
    if (!(*client)->refresh(index)) die("refresh");
    const auto incr = runSync(index_sync::SyncMode::kIncremental, o);
    if (incr.updated != edits.size()) die("incremental pass wrote " + std::to_string(incr.updated));
    // The same change detected by content hash alone (no updated-at field).
    for (auto& op : edits) op.body.insert(op.body.find("(new edition)"), "(2nd) ");
    bulkAll(**client, edits);
    if (!(*client)->refresh(index)) die("refresh");
    auto by_hash = o;
    by_hash.storefront = storefront(index, false);
    const auto hash = runSync(index_sync::SyncMode::kIncremental, by_hash);
    if (hash.updated != edits.size()) die("hash pass wrote " + std::to_string(hash.updated));

    const double plain_rate_r = items.size() / plain_s;
    const double sync_rate_r = items.size() / full.seconds;
    std::printf(
        "rep %d: plain bulk %.2fs (%.0f items/s) | index-sync full %.2fs (%.0f items/s) "
        "ratio %.2f | incremental by updated_at %.3fs (%zu scanned, %.1f%% of full) | "
        "by content hash %.2fs (%zu scanned, %.1f%% of full)\n",
        rep, plain_s, plain_rate_r, full.seconds, sync_rate_r, sync_rate_r / plain_rate_r,
        incr.seconds, incr.scanned, 100 * incr.seconds / full.seconds, hash.seconds,
        hash.scanned, 100 * hash.seconds / full.seconds);
    std::fflush(stdout);
    plain_rate.push_back(plain_rate_r);
    sync_rate.push_back(sync_rate_r);
    ratio.push_back(sync_rate_r / plain_rate_r);
    full_s.push_back(full.seconds);
    incr_s.push_back(incr.seconds);
    hash_s.push_back(hash.seconds);
    incr_time_share.push_back(incr.seconds / full.seconds);
    hash_time_share.push_back(hash.seconds / full.seconds);
    (void)(*client)->deleteIndex(index);
    (void)(*client)->deleteIndex(o.state_index);
  }
  std::printf("\nmedians over %d repetitions, %zu items, batch %d, %d in flight:\n", reps,
              items.size(), kBatch, kConcurrency);
  std::printf("  plain _bulk update        %8.0f items/s\n", median(plain_rate));
  std::printf("  index-sync full           %8.0f items/s  (%.2fs)\n", median(sync_rate),
              median(full_s));
  std::printf("  ratio sync / plain bulk   %8.2f   (goal >= 0.80)\n", median(ratio));
  std::printf("  parts alone: item tower %.2fs (1 thread, %.0f items/s), scan %.2fs, plain bulk %.2fs\n",
              median(tower_s), static_cast<double>(items.size()) / median(tower_s),
              median(scan_s), static_cast<double>(items.size()) / median(plain_rate));
  std::printf("  incremental, updated_at   %8.3fs  = %.1f%% of the full pass (goal <= 5%%)\n",
              median(incr_s), 100 * median(incr_time_share));
  std::printf("  incremental, content hash %8.3fs  = %.1f%% of the full pass\n", median(hash_s),
              100 * median(hash_time_share));
  return 0;
}
