// End-to-end benchmark of index-sync against a real OpenSearch: a full pass
// over a catalog next to a plain `_bulk` update of the same precomputed
// vectors (same batch size, same number of requests in flight, same index),
// and incremental passes after 1% of the items changed. Run through
// scripts/bench-sync.sh, which starts the node and unpacks the catalog.
//
//   index_sync_e2e --engine URL (--catalog products.csv | --generate N) [--reps 3]
//                  [--warmup 1] [--engine-pid PID]
//
// Prints each repetition and then medians and ratios measured in this run.
// Warm-up repetitions run first and are not counted (a fresh node's JIT
// makes whatever runs first slow). With the engine's pid it also reports
// the CPU each side used: the engine's and this process's.
#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <sys/resource.h>
#include <sys/types.h>
#include <unistd.h>

#include "config/config.h"
#include "connectors/engine_client.h"
#include "connectors/json_writer.h"
#include "index_sync/sync_state.h"
#include "index_sync/syncer.h"
#include "index_sync/vector_fields.h"
#include "scoring/data/retrotech_catalog.h"
#include "scoring/model.h"
#include "tests/bench/driver_flags.h"

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

int intFlag(const std::string& flag, const std::string& value) {
  return bench::intFlag("index_sync_e2e", flag, value);
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
  // One segment, no merge left to run: every index a pass meets starts the
  // same, whatever ran on the node before.
  auto merged = client.raw({"POST", "/" + index + "/_forcemerge", "max_num_segments=1", {}, ""});
  if (!merged || merged->status != 200) die("force merge failed");
}

config::StorefrontConfig storefront(const std::string& index, bool by_time) {
  config::StorefrontConfig sf;
  sf.name = index;  // one state document per index in the shared state index
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

// CPU seconds (user + system) of a process, from /proc; 0 without a pid.
double processCpu(pid_t pid) {
  if (pid <= 0) return 0;
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto close = stat.rfind(')');
  if (close == std::string::npos) die("cannot read /proc/" + std::to_string(pid) + "/stat");
  std::vector<std::string> fields;
  std::string field;
  for (char c : stat.substr(close + 2)) {
    if (c == ' ') {
      fields.push_back(field);
      field.clear();
    } else {
      field += c;
    }
  }
  // utime and stime are fields 14 and 15 of stat(5), 12 and 13 after the name.
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  return (std::stod(fields.at(11)) + std::stod(fields.at(12))) / ticks;
}

double selfCpu() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  auto s = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return s(u.ru_utime) + s(u.ru_stime);
}

struct Cpu {
  double engine = 0, self = 0;
};

template <typename F>
auto withCpu(pid_t engine_pid, Cpu& cpu, F&& f) {
  const double e0 = processCpu(engine_pid), s0 = selfCpu();
  auto result = f();
  cpu.engine = processCpu(engine_pid) - e0;
  cpu.self = selfCpu() - s0;
  return result;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  std::string engine, catalog;
  int generate = 0, reps = 3, warmup = 1;
  pid_t engine_pid = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--engine") engine = value;
    else if (flag == "--catalog") catalog = value;
    else if (flag == "--generate") generate = intFlag(flag, value);
    else if (flag == "--reps") reps = intFlag(flag, value);
    else if (flag == "--warmup") warmup = intFlag(flag, value);
    else if (flag == "--engine-pid") engine_pid = intFlag(flag, value);
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
  std::vector<double> plain_engine_cpu, plain_self_cpu, sync_engine_cpu, sync_self_cpu;
  std::vector<double> prepare_s, finish_s;
  (void)(*client)->deleteIndex("rr-bench-sync-state");  // left by an interrupted run
  for (int rep = -warmup; rep < reps; ++rep) {
    const bool counted = rep >= 0;
    // Each side gets its own freshly loaded index. On a shared index the
    // second writer paid for the first one's merges (its refresh alone took
    // 0.5 s more), which made the order, not the work, decide the ratio.
    const std::string index = "rr-bench-plain-" + std::to_string(rep + warmup);
    const std::string sync_index = "rr-bench-sync-" + std::to_string(rep + warmup);
    createIndex(**client, index, items);
    createIndex(**client, sync_index, items);

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
    o.storefront = storefront(sync_index, true);
    o.index = sync_index;
    // The state index holds every storefront's sync state and is created by
    // the first pass ever run on a cluster; a full pass (a new model) meets
    // it in place, so it is made here, untimed, once for the whole run.
    o.state_index = "rr-bench-sync-state";
    if (!index_sync::StateStore(**client, o.state_index).ensureIndex()) die("state index");
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
    Cpu plain_cpu, sync_cpu;
    model->version = "sync-" + std::to_string(rep + warmup);
    // After each timed side its index is left quiet (deleted, or merged
    // untimed), so the other side does not share the node with its merges.
    auto timePlain = [&] {
      plain_s = withCpu(engine_pid, plain_cpu, runPlain);
      (void)(*client)->deleteIndex(index);
    };
    auto timeSync = [&] {
      full = withCpu(engine_pid, sync_cpu, [&] { return runSync(index_sync::SyncMode::kFull, o); });
      auto merged = (*client)->raw(
          {"POST", "/" + sync_index + "/_forcemerge", "max_num_segments=1", {}, ""});
      if (!merged || merged->status != 200) die("force merge failed");
    };
    if (rep % 2 == 0) {
      timePlain();
      timeSync();
    } else {
      timeSync();
      timePlain();
    }
    if (full.updated != items.size()) die("full sync did not write every item");

    // 1% of the items change (title and updated_at), then incremental passes.
    std::vector<connectors::BulkOp> edits;
    for (std::size_t i = 0; i < items.size(); i += 100) {
      Item changed = items[i];
      changed.text.title += " (new edition)";
      changed.updated_at = t0 + 10'000'000 + static_cast<int64_t>(i);
      edits.push_back({connectors::BulkOp::Action::kUpdate, sync_index, changed.text.id,
                       "{\"doc\":" + docJson(changed) + "}"});
    }
    bulkAll(**client, edits);
    if (!(*client)->refresh(sync_index)) die("refresh");
    const auto incr = runSync(index_sync::SyncMode::kIncremental, o);
    if (incr.updated != edits.size()) die("incremental pass wrote " + std::to_string(incr.updated));
    // The same change detected by content hash alone (no updated-at field).
    for (auto& op : edits) op.body.insert(op.body.find("(new edition)"), "(2nd) ");
    bulkAll(**client, edits);
    if (!(*client)->refresh(sync_index)) die("refresh");
    auto by_hash = o;
    by_hash.storefront = storefront(sync_index, false);
    const auto hash = runSync(index_sync::SyncMode::kIncremental, by_hash);
    if (hash.updated != edits.size()) die("hash pass wrote " + std::to_string(hash.updated));

    (void)(*client)->deleteIndex(sync_index);
    if (!counted) {
      std::printf("warm-up: plain bulk %.2fs | index-sync full %.2fs (not counted)\n", plain_s,
                  full.seconds);
      std::fflush(stdout);
      continue;
    }
    const double plain_rate_r = items.size() / plain_s;
    const double sync_rate_r = items.size() / full.seconds;
    std::printf(
        "rep %d: plain bulk %.2fs (%.0f items/s) | index-sync full %.2fs (%.0f items/s) "
        "ratio %.2f | incremental by updated_at %.3fs (%zu scanned, %.1f%% of full) | "
        "by content hash %.2fs (%zu scanned, %.1f%% of full) | full pass: prepare %.3fs, "
        "finish %.3fs | CPU plain: engine %.2fs, client %.2fs; sync: engine %.2fs, client %.2fs\n",
        rep, plain_s, plain_rate_r, full.seconds, sync_rate_r, sync_rate_r / plain_rate_r,
        incr.seconds, incr.scanned, 100 * incr.seconds / full.seconds, hash.seconds,
        hash.scanned, 100 * hash.seconds / full.seconds, full.prepare_seconds,
        full.finishSeconds(), plain_cpu.engine, plain_cpu.self, sync_cpu.engine, sync_cpu.self);
    std::fflush(stdout);
    plain_rate.push_back(plain_rate_r);
    sync_rate.push_back(sync_rate_r);
    ratio.push_back(sync_rate_r / plain_rate_r);
    full_s.push_back(full.seconds);
    incr_s.push_back(incr.seconds);
    hash_s.push_back(hash.seconds);
    incr_time_share.push_back(incr.seconds / full.seconds);
    hash_time_share.push_back(hash.seconds / full.seconds);
    prepare_s.push_back(full.prepare_seconds);
    finish_s.push_back(full.finishSeconds());
    plain_engine_cpu.push_back(plain_cpu.engine);
    plain_self_cpu.push_back(plain_cpu.self);
    sync_engine_cpu.push_back(sync_cpu.engine);
    sync_self_cpu.push_back(sync_cpu.self);
  }
  (void)(*client)->deleteIndex("rr-bench-sync-state");
  std::printf("\nmedians over %d repetitions, %zu items, batch %d, %d in flight:\n", reps,
              items.size(), kBatch, kConcurrency);
  std::printf("  plain _bulk update        %8.0f items/s\n", median(plain_rate));
  std::printf("  index-sync full           %8.0f items/s  (%.2fs)\n", median(sync_rate),
              median(full_s));
  std::printf("  ratio sync / plain bulk   %8.2f   (goal >= 0.80)\n", median(ratio));
  std::printf("  parts alone: item tower %.2fs (1 thread, %.0f items/s), scan %.2fs, plain bulk %.2fs\n",
              median(tower_s), static_cast<double>(items.size()) / median(tower_s),
              median(scan_s), static_cast<double>(items.size()) / median(plain_rate));
  std::printf("  full pass fixed steps: prepare %.3fs, finish %.3fs\n", median(prepare_s),
              median(finish_s));
  if (engine_pid > 0) {
    std::printf("  CPU per pass: plain bulk engine %.2fs + client %.2fs; index-sync engine %.2fs + "
                "client %.2fs (tower, scan parsing, request building)\n",
                median(plain_engine_cpu), median(plain_self_cpu), median(sync_engine_cpu),
                median(sync_self_cpu));
  }
  std::printf("  incremental, updated_at   %8.3fs  = %.1f%% of the full pass (goal <= 5%%)\n",
              median(incr_s), 100 * median(incr_time_share));
  std::printf("  incremental, content hash %8.3fs  = %.1f%% of the full pass\n", median(hash_s),
              100 * median(hash_time_share));
  return 0;
}
