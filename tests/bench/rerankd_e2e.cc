// End-to-end latency and CPU of rerankd against a real OpenSearch, measured
// side by side in one run: the same candidate window fetched directly from
// the engine, and a shopper's page through rerankd with that window reranked.
// Run through scripts/bench-rerankd.sh, which starts the node, indexes and
// syncs a catalog, and starts rerankd with one storefront per window size
// (selected by Host header).
//
//   rerankd_e2e prepare --engine URL (--catalog products.csv | --generate N) --out DIR
//       indexes the catalog (vectors kept out of _source), writes a full-size
//       model (d = 32, random weights: scoring costs what a trained one does;
//       click statistics of 200,000 clicks, as large as a trained one's),
//       runs index-sync, and writes DIR/rerankd.yaml, DIR/queries.txt
//   rerankd_e2e run --engine URL --rerankd URL --rerankd-pid PID --engine-pid PID
//       --dir DIR [--requests N] [--windows 100,200,500]
//       [--relay URL --relay-pids PID,PID] [--concurrency N] [--facets 1]
//       posts histories for 50 shoppers, then measures; with --concurrency,
//       N clients send at once (each its own connection) instead of one
//       request at a time, and the throughput is reported too; with --relay, the
//       direct window request is also sent through that plain reverse proxy
//       (nginx, started by the script), whose CPU is summed over its pids;
//       and always through rerankd from a shopper who opted out ("pass"),
//       relayed unchanged: rerankd's own cost as a proxy, without reranking;
//       to a disabled storefront ("disabled"); and the shopper's page as a
//       one-search `_msearch` ("msearch"). With --facets 1 every search
//       (direct, relayed and the shopper's) also asks for the facets of a
//       storefront's results page: category and brand terms, price ranges
//       and price stats, computed by the engine over every match
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "connectors/engine_client.h"
#include "connectors/json_writer.h"
#include "index_sync/syncer.h"
#include "index_sync/vector_fields.h"
#include "scoring/data/retrotech_catalog.h"
#include "scoring/model_file.h"
#include "scoring/tokenizer.h"
#include "tests/bench/driver_flags.h"

namespace {

using namespace rr;
using Clock = std::chrono::steady_clock;

[[noreturn]] void die(const std::string& what) {
  std::cerr << "rerankd_e2e: " << what << "\n";
  std::exit(1);
}

int intFlag(const std::string& flag, const std::string& v) {
  return bench::intFlag("rerankd_e2e", flag, v);
}

// utime + stime of a process, in seconds.
double cpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), {});
  const auto close = stat.rfind(')');
  if (close == std::string::npos) die("cannot read /proc/" + std::to_string(pid) + "/stat");
  std::vector<std::string> fields;
  std::string cur;
  for (std::size_t i = close + 2; i < stat.size(); ++i) {
    if (stat[i] == ' ') {
      fields.push_back(cur);
      cur.clear();
    } else {
      cur += stat[i];
    }
  }
  // Fields after the name start at "state" (field 3): utime is 14, stime 15.
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  return (std::stod(fields.at(11)) + std::stod(fields.at(12))) / ticks;
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  if (v.empty()) return 0;
  const auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

struct Phase {
  std::vector<double> ms;
  double rerankd_cpu = 0, engine_cpu = 0;
  double seconds = 0;  // wall clock
};

std::unique_ptr<connectors::EngineClient> make(const std::string& url) {
  connectors::ClientOptions o;
  o.url = url;
  o.retry.max_attempts = 1;
  o.request_timeout = std::chrono::seconds(120);
  auto c = connectors::EngineClient::create(o);
  if (!c) die(c.error().message);
  return std::move(*c);
}

constexpr const char* kIndex = "rr-bench-rerankd";

int prepare(const std::string& engine_url, const std::string& catalog, int generate,
            const std::string& dir) {
  auto engine = make(engine_url);
  std::vector<scoring::ItemText> items;
  if (!catalog.empty()) {
    auto products = scoring::data::readRetrotechCatalog(catalog);
    if (!products) die(products.error().toString());
    for (const auto& p : *products) {
      items.push_back({p.id, p.title, p.description, p.brand, p.category, p.price});
    }
  } else {
    for (int i = 0; i < generate; ++i) {
      const std::string n = std::to_string(i);
      items.push_back({"g" + n, "Product " + n + " wireless speaker model " + std::to_string(i % 97),
                       "Generated item " + n, "Brand " + std::to_string(i % 50),
                       "Category " + std::to_string(i % 12), 1.0 + i % 900});
    }
  }
  (void)engine->deleteIndex(kIndex);
  (void)engine->deleteIndex(std::string(kIndex) + "-state");
  auto created = engine->createIndex(
      kIndex, R"({"settings":{"number_of_shards":1,"number_of_replicas":0},"mappings":{)"
              R"("_source":{"excludes":["rr_vector*"]},"properties":{"title":{"type":"text"},)"
              R"("description":{"type":"text"},)"
              R"("brand":{"type":"text","fields":{"keyword":{"type":"keyword","ignore_above":256}}},)"
              R"("category":{"type":"keyword"},)"
              R"("price":{"type":"float"}}}})");
  if (!created) die("create index: " + created.error().message);
  for (std::size_t start = 0; start < items.size(); start += 1000) {
    std::vector<connectors::BulkOp> ops;
    for (std::size_t i = start; i < std::min(items.size(), start + 1000); ++i) {
      const auto& it = items[i];
      std::string doc = "{\"title\":" + connectors::jsonString(it.title) +
                        ",\"description\":" + connectors::jsonString(it.description) +
                        ",\"brand\":" + connectors::jsonString(it.brand) +
                        ",\"category\":" + connectors::jsonString(it.category);
      if (it.price) doc += ",\"price\":" + std::to_string(*it.price);
      ops.push_back({connectors::BulkOp::Action::kIndex, kIndex, it.id, doc + "}"});
    }
    auto r = engine->bulk(ops);
    if (!r || !r->allOk()) die("bulk index failed");
  }
  if (!engine->refresh(kIndex)) die("refresh");

  // The benchmark's queries: the first two words of every 97th title.
  auto queryOf = [&](std::size_t i) {
    const std::string& t = items[i].title;
    return t.substr(0, t.find(' ', t.find(' ') + 1));
  };
  std::vector<std::size_t> query_items;
  for (std::size_t i = 0; i < items.size() && i < 40000; i += 97) query_items.push_back(i);

  auto model = std::make_shared<scoring::Model>(scoring::ModelDims{}, scoring::TokenizerSettings{}, 1);
  model->version = "bench-v1";
  // Click statistics of a trained storefront's size, so that the scoring
  // step's lookups meet tables as large as they are in service: 200,000
  // clicks over 90 days, half from the benchmark's queries (on the item the
  // query came from, or any), half from other titles' first words.
  {
    std::mt19937_64 rng(5);
    constexpr int kClicks = 200000;
    constexpr int64_t kDayMs = 86400000;
    for (int k = 0; k < kClicks; ++k) {
      const std::size_t from =
          k % 2 ? query_items[rng() % query_items.size()] : rng() % items.size();
      const std::size_t clicked = rng() % 2 ? from : rng() % items.size();
      model->stats().addClick(scoring::Tokenizer::normalize(queryOf(from)), items[clicked].id,
                              int64_t{1700000000000} + (k * 90LL / kClicks) * kDayMs);
    }
    // And 100,000 transitions between random items (about two successors
    // per item), which the next-item feature reads for every shopper.
    for (int k = 0; k < 100000; ++k) {
      model->stats().addTransition(items[rng() % items.size()].id, items[rng() % items.size()].id,
                                   1.0f);
    }
    std::printf("model: %zu items clicked, %d clicks, %zu transitions\n", model->stats().items(),
                kClicks, model->stats().transitions());
  }
  if (!scoring::saveModel(*model, dir + "/model.rrm")) die("save model");
  config::StorefrontConfig sf;
  sf.name = "bench";
  sf.indices = {kIndex};
  sf.sync_index = kIndex;
  sf.fields.title = "title";
  sf.fields.description = "description";
  sf.fields.brand = "brand";
  sf.fields.category = "category";
  sf.fields.price = "price";
  sf.vector.mode = config::VectorConfig::Mode::kStored;
  index_sync::SyncOptions o;
  o.storefront = sf;
  o.index = kIndex;
  o.state_index = std::string(kIndex) + "-state";
  index_sync::Syncer syncer(*engine, model, o);
  auto synced = syncer.run(index_sync::SyncMode::kFull);
  if (!synced || synced->failed) die("index-sync failed");
  std::printf("indexed and synced %zu items in %.1fs\n", synced->updated, synced->seconds);

  std::ofstream yaml(dir + "/rerankd.yaml");
  yaml << "listen:\n  port: 0\n  threads: 2\nupstream:\n  url: " << engine_url
       << "\n  pool_size: 32\nprofiles:\n  dir: profiles\n"
       << "activity_log:\n  dir: activity\nstorefronts:\n";
  for (int w : {100, 200, 500}) {
    yaml << "  - name: w" << w << "\n    host: w" << w << "\n    sync_index: " << kIndex
         << "\n    window: " << w
         << "\n    deadline_ms: 1000\n    model: model.rrm\n"
         << "    fields: {title: title, description: description, brand: brand, "
            "category: category, price: price}\n";
  }
  // Disabled: its searches pass through as they are (the `disabled` path).
  yaml << "  - name: off\n    host: off\n    enabled: false\n    sync_index: " << kIndex
       << "\n    model: model.rrm\n";
  // Queries: words from titles, one or two per query.
  std::ofstream queries(dir + "/queries.txt");
  for (std::size_t i : query_items) queries << queryOf(i) << "\n";
  std::ofstream field(dir + "/vector_field.txt");
  field << index_sync::vectorFields("rr_vector", model->version).vector;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) die("usage: rerankd_e2e prepare|run ...");
  const std::string mode = argv[1];
  std::string engine_url, rerankd_url, dir, catalog;
  pid_t rerankd_pid = 0, engine_pid = 0;
  std::string relay_url;
  std::vector<pid_t> relay_pids;
  int requests = 400, generate = 0, concurrency = 1;
  bool facets = false;
  std::vector<int> windows = {100, 200, 500};
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string f = argv[i], v = argv[i + 1];
    if (f == "--engine") engine_url = v;
    else if (f == "--rerankd") rerankd_url = v;
    else if (f == "--rerankd-pid") rerankd_pid = intFlag(f, v);
    else if (f == "--engine-pid") engine_pid = intFlag(f, v);
    else if (f == "--dir" || f == "--out") dir = v;
    else if (f == "--catalog") catalog = v;
    else if (f == "--generate") generate = intFlag(f, v);
    else if (f == "--relay") relay_url = v;
    else if (f == "--relay-pids") {
      std::stringstream list(v);
      for (std::string p; std::getline(list, p, ',');) relay_pids.push_back(intFlag(f, p));
    }
    else if (f == "--requests") requests = intFlag(f, v);
    else if (f == "--concurrency") {
      concurrency = intFlag(f, v);
      if (concurrency < 1 || concurrency > 64) die("--concurrency: 1 to 64, got " + v);
    }
    else if (f == "--facets") facets = intFlag(f, v) != 0;
    else if (f == "--windows") {
      windows.clear();
      std::stringstream list(v);
      for (std::string w; std::getline(list, w, ',');) {
        windows.push_back(intFlag(f, w));
        if (windows.back() != 100 && windows.back() != 200 && windows.back() != 500) {
          die("--windows: each of 100, 200, 500 (the prepared storefronts), got " + w);
        }
      }
    }
    else die("unknown flag " + f);
  }
  if (mode == "prepare") return prepare(engine_url, catalog, generate, dir);
  if (mode != "run") die("unknown mode " + mode);
  const std::string index = kIndex;
  std::string vector_field;
  std::ifstream(dir + "/vector_field.txt") >> vector_field;
  std::vector<std::string> queries;
  {
    std::ifstream in(dir + "/queries.txt");
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) queries.push_back(line);
    }
  }
  if (queries.empty()) die("no queries in " + dir);
  if (!relay_url.empty() && relay_pids.empty()) die("--relay needs --relay-pids");
  auto engine = make(engine_url);
  auto rerankd = make(rerankd_url);
  auto relay = relay_url.empty() ? nullptr : make(relay_url);
  auto relayCpu = [&] {
    double sum = 0;
    for (pid_t p : relay_pids) sum += cpuSeconds(p);
    return sum;
  };
  // 50 shoppers, 20 recent interactions each, on items of the catalog.
  {
    auto page = engine->search(index, R"({"size":1000,"_source":false})");
    if (!page || page->hits.empty()) die("cannot read item ids");
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch()).count();
    std::string lines;
    for (int u = 0; u < 50; ++u) {
      for (int k = 0; k < 20; ++k) {
        const auto& id = page->hits[static_cast<std::size_t>((u * 37 + k * 11) % page->hits.size())].id;
        lines += "{\"event_id\":\"b" + std::to_string(u) + "-" + std::to_string(k) +
                 "\",\"storefront\":\"w100\",\"user_id\":\"shopper-" + std::to_string(u) +
                 "\",\"type\":\"click\",\"item_id\":" + connectors::jsonString(id) +
                 ",\"ts\":" + std::to_string(now - k * 60000) + "}\n";
        // The same history for the other window sizes' storefronts.
        for (const char* sf : {"w200", "w500"}) {
          lines += "{\"event_id\":\"b" + std::to_string(u) + "-" + std::to_string(k) +
                   "\",\"storefront\":\"" + sf + "\",\"user_id\":\"shopper-" +
                   std::to_string(u) + "\",\"type\":\"click\",\"item_id\":" +
                   connectors::jsonString(id) + ",\"ts\":" + std::to_string(now - k * 60000) +
                   "}\n";
        }
      }
    }
    auto r = rerankd->raw({"POST", "/_rerank/events", "", {{"Content-Type", "application/x-ndjson"}}, lines});
    if (!r || r->status != 200 || r->body.find("\"errors\":false") == std::string::npos) {
      die("posting histories failed");
    }
  }

  // kPass: the window request itself sent through rerankd by a shopper who
  // opted out (`ext.rerank.opt_out`): rerankd strips the `ext` and relays it
  // on the same path a reranked search takes, the engine's answer unchanged;
  // its cost as a proxy alone, without reading, scoring or rewriting hits.
  // kDisabled: the same request to a disabled storefront (passed through as
  // it is, the way an allowed API is). kMsearch: the shopper's page as the
  // one search of an `_msearch`, reranked.
  enum class Path { kDirect, kThrough, kRelay, kPass, kDisabled, kMsearch };
  // One client (connection) per sender; the first is the one made above.
  struct Clients {
    std::unique_ptr<connectors::EngineClient> engine, rerankd, relay;
  };
  std::vector<Clients> senders(static_cast<std::size_t>(concurrency));
  senders[0] = {std::move(engine), std::move(rerankd), std::move(relay)};
  for (std::size_t t = 1; t < senders.size(); ++t) {
    senders[t] = {make(engine_url), make(rerankd_url),
                  relay_url.empty() ? nullptr : make(relay_url)};
  }
  const bool with_relay = !relay_url.empty();
  auto run = [&](int window, Path path) {
    Phase phase;
    // The relay's CPU is kept in rerankd_cpu: the proxy in front either way.
    auto proxyCpu = [&] { return path == Path::kRelay ? relayCpu() : cpuSeconds(rerankd_pid); };
    // Sender t sends requests t, t + N, t + 2N, ...; a failure is reported
    // after every sender has stopped.
    std::vector<std::vector<double>> ms(senders.size());
    std::vector<std::string> failures(senders.size());
    auto send = [&](std::size_t t) {
      Clients& c = senders[t];
      for (int i = static_cast<int>(t); i < requests; i += static_cast<int>(senders.size())) {
        const std::string& q = queries[static_cast<std::size_t>(i) % queries.size()];
        const std::string match = "{\"multi_match\":{\"query\":" + connectors::jsonString(q) +
                                  ",\"fields\":[\"title^2\",\"description\",\"brand\"]}}";
        connectors::HttpRequest req;
        req.method = "POST";
        req.path = "/" + index + "/_search";
        req.headers.push_back({"Content-Type", "application/json"});
        // The shopper's own request (rerankd fetches the window), and what
        // rerankd asks the engine for.
        // A results page's facets, when asked for: the engine computes them
        // over every match, and rerankd passes them through as they are.
        const std::string aggs =
            facets ? ",\"aggs\":{\"category\":{\"terms\":{\"field\":\"category\",\"size\":20}},"
                     "\"brand\":{\"terms\":{\"field\":\"brand.keyword\",\"size\":20}},"
                     "\"price\":{\"range\":{\"field\":\"price\",\"ranges\":[{\"to\":25},"
                     "{\"from\":25,\"to\":100},{\"from\":100,\"to\":500},{\"from\":500}]}},"
                     "\"price_stats\":{\"stats\":{\"field\":\"price\"}}}"
                   : "";
        const std::string page = "{\"size\":10,\"query\":" + match + aggs + "}";
        const std::string window_request = "{\"size\":" + std::to_string(window) +
                                           ",\"query\":" + match + aggs + ",\"docvalue_fields\":[" +
                                           connectors::jsonString(vector_field) + "]}";
        const std::string shopper = "shopper-" + std::to_string(i % 50);
        const std::string storefront = "w" + std::to_string(window);
        const auto asShopper = [&] {  // the shopper's storefront and id
          req.headers.push_back({"Host", storefront});
          req.headers.push_back({"X-User-Id", shopper});
        };
        const char* expect = nullptr;  // rerankd's X-Rerank
        switch (path) {
          case Path::kDirect:
          case Path::kRelay:
            req.body = window_request;
            break;
          case Path::kThrough:
            req.body = page;
            asShopper();
            expect = "applied";
            break;
          case Path::kMsearch:
            req.path = "/" + index + "/_msearch";
            req.headers[0].value = "application/x-ndjson";
            req.body = "{}\n" + page + "\n";
            asShopper();
            expect = "msearch";
            break;
          case Path::kPass:
            req.body = window_request;
            req.body.insert(req.body.size() - 1, ",\"ext\":{\"rerank\":{\"opt_out\":true}}");
            asShopper();
            expect = "skipped; reason=opt_out";
            break;
          case Path::kDisabled:
            req.body = window_request;
            req.headers.push_back({"Host", "off"});
            expect = "skipped; reason=disabled";
            break;
        }
        const auto start = Clock::now();
        auto r = (path == Path::kDirect ? c.engine : path == Path::kRelay ? c.relay : c.rerankd)
                     ->raw(req);
        ms[t].push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
        if (!r || r->status != 200) {
          failures[t] = "request failed";
          return;
        }
        if (expect && r->header("X-Rerank") != expect) {
          failures[t] = "X-Rerank: " + std::string(r->header("X-Rerank")) + ", not " + expect;
          return;
        }
        // The one search of the _msearch reranked: its request id, not "-".
        if (path == Path::kMsearch && r->header("X-Rerank-Request-Id").size() != 16) {
          failures[t] = "_msearch not reranked: " + std::string(r->header("X-Rerank-Request-Id"));
          return;
        }
      }
    };
    const double r0 = proxyCpu(), e0 = cpuSeconds(engine_pid);
    const auto began = Clock::now();
    if (senders.size() == 1) {
      send(0);
    } else {
      std::vector<std::thread> threads;
      for (std::size_t t = 0; t < senders.size(); ++t) threads.emplace_back(send, t);
      for (auto& th : threads) th.join();
    }
    phase.seconds = std::chrono::duration<double>(Clock::now() - began).count();
    phase.rerankd_cpu = proxyCpu() - r0;
    phase.engine_cpu = cpuSeconds(engine_pid) - e0;
    for (const auto& f : failures) {
      if (!f.empty()) die(f);
    }
    for (const auto& m : ms) phase.ms.insert(phase.ms.end(), m.begin(), m.end());
    return phase;
  };

  std::printf("%d requests per phase, %zu distinct queries, 50 shoppers with histories, ",
              requests, queries.size());
  if (concurrency == 1) {
    std::printf("one request at a time\n\n");
  } else {
    std::printf("%d clients sending at once\n\n", concurrency);
  }
  std::printf("pass: the window request itself through rerankd, from a shopper who opted out "
              "(relayed unchanged); disabled: the same to a disabled storefront; msearch: the "
              "shopper's page as a one-search _msearch, reranked\n");
  std::printf("%-7s %-9s %9s %9s %12s %14s %14s\n", "window", "path", "p50 ms", "p99 ms",
              "added p99", "rerankd CPU/rq", "engine CPU/rq");
  for (int window : windows) {
    run(window, Path::kDirect);  // warm every path
    run(window, Path::kThrough);
    if (with_relay) run(window, Path::kRelay);
    run(window, Path::kPass);
    run(window, Path::kDisabled);
    run(window, Path::kMsearch);
    const Phase direct = run(window, Path::kDirect);
    const Phase through = run(window, Path::kThrough);
    const Phase relayed = with_relay ? run(window, Path::kRelay) : Phase{};
    const Phase passed = run(window, Path::kPass);
    const Phase disabled = run(window, Path::kDisabled);
    const Phase msearched = run(window, Path::kMsearch);
    const double d50 = percentile(direct.ms, 0.5), d99 = percentile(direct.ms, 0.99);
    const double t50 = percentile(through.ms, 0.5), t99 = percentile(through.ms, 0.99);
    std::printf("%-7d %-9s %9.2f %9.2f %12s %14s %14.3f ms\n", window, "direct", d50, d99, "",
                "", 1000 * direct.engine_cpu / requests);
    std::printf("%-7d %-9s %9.2f %9.2f %9.2f ms %11.3f ms %11.3f ms\n", window, "rerankd", t50,
                t99, t99 - d99, 1000 * through.rerankd_cpu / requests,
                1000 * through.engine_cpu / requests);
    if (with_relay) {
      const double r50 = percentile(relayed.ms, 0.5), r99 = percentile(relayed.ms, 0.99);
      std::printf("%-7d %-9s %9.2f %9.2f %9.2f ms %11.3f ms %11.3f ms\n", window, "nginx", r50,
                  r99, r99 - d99, 1000 * relayed.rerankd_cpu / requests,
                  1000 * relayed.engine_cpu / requests);
    }
    for (const auto& [name, phase] : {std::pair<const char*, const Phase&>{"pass", passed},
                                      {"disabled", disabled},
                                      {"msearch", msearched}}) {
      const double p50 = percentile(phase.ms, 0.5), p99 = percentile(phase.ms, 0.99);
      std::printf("%-7d %-9s %9.2f %9.2f %9.2f ms %11.3f ms %11.3f ms\n", window, name, p50, p99,
                  p99 - d99, 1000 * phase.rerankd_cpu / requests,
                  1000 * phase.engine_cpu / requests);
    }
    std::printf("        ratios: p50 %.2fx, p99 %.2fx; rerankd CPU = %.1f%% of the engine's",
                t50 / d50, t99 / d99, 100 * through.rerankd_cpu / std::max(1e-9, through.engine_cpu));
    if (with_relay) {
      std::printf("; nginx relaying the window = %.1f%%",
                  100 * relayed.rerankd_cpu / std::max(1e-9, relayed.engine_cpu));
    }
    std::printf("; rerankd relaying it (pass) = %.1f%%; the page through _msearch = %.1f%%\n",
                100 * passed.rerankd_cpu / std::max(1e-9, passed.engine_cpu),
                100 * msearched.rerankd_cpu / std::max(1e-9, msearched.engine_cpu));
    if (concurrency > 1) {
      std::printf("        throughput: direct %.0f/s, rerankd %.0f/s", requests / direct.seconds,
                  requests / through.seconds);
      if (with_relay) std::printf(", nginx %.0f/s", requests / relayed.seconds);
      std::printf(", pass %.0f/s, disabled %.0f/s, msearch %.0f/s", requests / passed.seconds,
                  requests / disabled.seconds, requests / msearched.seconds);
      std::printf("\n");
    }
    std::printf("\n");
  }
  return 0;
}
