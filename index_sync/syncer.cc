#include "index_sync/syncer.h"

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <random>
#include <thread>

#include "connectors/json_writer.h"
#include "index_sync/item_reader.h"
#include "index_sync/mapping_facts.h"
#include "index_sync/sync_state.h"
#include "index_sync/vector_fields.h"

namespace rr::index_sync {
namespace {

using connectors::BulkOp;
using connectors::ErrorCode;
using connectors::Result;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kMaxReportedFailures = 1000;
constexpr int kConflictRounds = 3;

int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void appendFloats(std::string& out, std::span<const float> v) {
  out += '[';
  char buf[32];
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) out += ',';
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v[i]);
    out.append(buf, end);
  }
  out += ']';
}

bool retryable(const connectors::BulkItemResult& item) {
  return item.status == 429 || item.status == 503 ||
         item.error_type == "es_rejected_execution_exception" ||
         item.error_type == "rejected_execution_exception";
}

class BatchQueue {
 public:
  struct Batch {
    std::vector<ScannedItem> items;  // to be built into ops by a worker
    std::vector<BulkOp> ops;
    std::vector<std::optional<int64_t>> updated_at;
  };

  explicit BatchQueue(std::size_t capacity) : capacity_(capacity) {}

  void push(Batch batch) {
    std::unique_lock lock(mu_);
    space_.wait(lock, [&] { return queue_.size() < capacity_; });
    queue_.push_back(std::move(batch));
    ready_.notify_one();
  }
  std::optional<Batch> pop() {
    std::unique_lock lock(mu_);
    ready_.wait(lock, [&] { return !queue_.empty() || closed_; });
    if (queue_.empty()) return std::nullopt;
    Batch b = std::move(queue_.front());
    queue_.pop_front();
    space_.notify_one();
    return b;
  }
  void close() {
    std::lock_guard lock(mu_);
    closed_ = true;
    ready_.notify_all();
  }

 private:
  std::size_t capacity_;
  std::mutex mu_;
  std::condition_variable ready_, space_;
  std::deque<Batch> queue_;
  bool closed_ = false;
};

}  // namespace

std::string SyncReport::toJson() const {
  std::string out = "{\"version\":" + connectors::jsonString(version) +
                    ",\"field\":" + connectors::jsonString(field) +
                    ",\"knn\":" + (knn ? "true" : "false") +
                    ",\"building\":" + (building ? "true" : "false") +
                    ",\"switched\":" + (switched ? "true" : "false") +
                    ",\"how\":" + connectors::jsonString(how) +
                    ",\"source_filtered\":" + (source_filtered ? "true" : "false") +
                    ",\"scanned\":" + std::to_string(scanned) +
                    ",\"updated\":" + std::to_string(updated) +
                    ",\"skipped\":" + std::to_string(skipped) +
                    ",\"deleted\":" + std::to_string(deleted) +
                    ",\"failed\":" + std::to_string(failed) +
                    ",\"retried\":" + std::to_string(retried) +
                    ",\"stopped\":" + (stopped ? "true" : "false") +
                    ",\"checkpoint_ms\":" +
                    (checkpoint_ms ? std::to_string(*checkpoint_ms) : "null");
  char buf[64];
  std::snprintf(buf, sizeof buf, ",\"seconds\":%.3f,\"items_per_s\":%.1f", seconds,
                itemsPerSecond());
  out += buf;
  std::snprintf(buf, sizeof buf, ",\"phases_s\":{\"prepare\":%.3f,\"scan_write\":%.3f,", prepare_seconds,
                scan_write_seconds);
  out += buf;
  std::snprintf(buf, sizeof buf, "\"finish\":%.3f}", finishSeconds());
  out += buf;
  out += ",\"failures\":[";
  for (std::size_t i = 0; i < failures.size(); ++i) {
    if (i) out += ',';
    out += "{\"id\":" + connectors::jsonString(failures[i].id) +
           ",\"reason\":" + connectors::jsonString(failures[i].reason) + "}";
  }
  return out + "]}";
}

// The state of one pass, shared by the scanning thread and the bulk workers.
struct Syncer::Impl {
  connectors::EngineClient& client;
  const scoring::Model& model;
  const SyncOptions& opt;
  VectorFields target;
  std::optional<VectorFields> carry;  // the active version kept alive
  bool carry_knn = false;
  bool knn = false;
  ItemReader reader;

  std::mutex mu;  // guards everything below
  SyncReport report;
  std::optional<int64_t> max_seen_ms;
  bool any_failure = false;
  std::vector<std::string> conflicts;
  std::mt19937 rng{12345};

  Impl(connectors::EngineClient& c, const scoring::Model& m, const SyncOptions& o,
       VectorFields t, std::optional<VectorFields> cv, bool ck, bool k)
      : client(c), model(m), opt(o), target(std::move(t)), carry(std::move(cv)),
        carry_knn(ck), knn(k),
        reader(ReadPlan{o.storefront.fields, target.meta, carry ? carry->vector : "",
                        carry ? carry->meta : ""}) {}

  void fail(std::string id, std::string reason) {
    any_failure = true;
    ++report.failed;
    if (report.failures.size() < kMaxReportedFailures) {
      report.failures.push_back({std::move(id), std::move(reason)});
    }
  }

  void seen(std::optional<int64_t> updated_at) {
    if (updated_at && (!max_seen_ms || *updated_at > *max_seen_ms)) max_seen_ms = updated_at;
  }

  // Reads one scanned hit; the item when it needs writing, nothing when it
  // is current (or unreadable: then it is a failure). Scanning thread only.
  std::optional<ScannedItem> select(const connectors::Hit& hit) {
    auto item = reader.read(hit);
    std::lock_guard lock(mu);
    ++report.scanned;
    if (!item) {
      fail(std::string(hit.id), item.error());
      return std::nullopt;
    }
    if (!opt.force &&
        item->target_meta == metaValue(target.version, contentHash(item->text))) {
      ++report.skipped;
      seen(item->updated_at_ms);
      return std::nullopt;
    }
    item->index = std::string(hit.index);
    return std::move(*item);
  }

  // The partial update for one item: runs the item tower. Called on the bulk
  // workers, so the model's work overlaps the scan; `vec` and `carry_vec`
  // are the calling thread's scratch.
  BulkOp build(const ScannedItem& item, std::vector<float>& vec,
               std::vector<float>& carry_vec) const {
    vec.resize(static_cast<std::size_t>(model.dim()));
    model.itemVector(model.itemInput(item.text), vec.data());
    std::string body = "{\"doc\":{";
    connectors::appendJsonString(body, target.vector);
    body += ':';
    connectors::appendJsonString(body, encodeVector(vec));
    body += ',';
    connectors::appendJsonString(body, target.meta);
    body += ':';
    connectors::appendJsonString(body, metaValue(target.version, contentHash(item.text)));
    if (knn) {
      body += ',';
      connectors::appendJsonString(body, target.knn);
      body += ':';
      appendFloats(body, vec);
    }
    // Keep the active version's vector: the update rewrites the document
    // from its `_source`, which does not hold vectors.
    if (carry && !item.carry_vector.empty() && decodeVector(item.carry_vector, carry_vec)) {
      body += ',';
      connectors::appendJsonString(body, carry->vector);
      body += ':';
      connectors::appendJsonString(body, encodeVector(carry_vec));
      body += ',';
      connectors::appendJsonString(body, carry->meta);
      body += ':';
      connectors::appendJsonString(body, item.carry_meta);
      if (carry_knn) {
        body += ',';
        connectors::appendJsonString(body, carry->knn);
        body += ':';
        appendFloats(body, carry_vec);
      }
    }
    body += "}}";
    BulkOp op;
    op.action = BulkOp::Action::kUpdate;
    op.index = item.index;
    op.id = item.doc_id;
    op.body = std::move(body);
    op.if_seq_no = item.seq_no;
    op.if_primary_term = item.primary_term;
    return op;
  }

  std::chrono::milliseconds backoff(int attempt) {
    const auto cap = std::min<int64_t>(opt.max_backoff.count(),
                                       opt.base_backoff.count() << std::min(attempt, 16));
    std::lock_guard lock(mu);
    return std::chrono::milliseconds(
        std::uniform_int_distribution<int64_t>(cap / 2, std::max<int64_t>(cap / 2, cap))(rng));
  }

  // Turns a batch's items into its update operations (the item tower runs
  // here). Any thread; each uses its own scratch.
  void buildOps(BatchQueue::Batch& batch) const {
    thread_local std::vector<float> vec, carry_vec;
    for (auto& item : batch.items) {
      batch.ops.push_back(build(item, vec, carry_vec));
      batch.updated_at.push_back(item.updated_at_ms);
    }
    batch.items.clear();
  }

  // Sends one batch until every item is acknowledged, retried out, or
  // failed. Safe to call from several threads.
  void send(BatchQueue::Batch batch) {
    buildOps(batch);
    for (int attempt = 0; !batch.ops.empty(); ++attempt) {
      if (opt.before_bulk) opt.before_bulk(batch.ops);
      auto result = client.bulk(batch.ops);
      if (!result) {
        if (attempt + 1 < opt.max_attempts) {
          std::this_thread::sleep_for(backoff(attempt));
          continue;
        }
        std::lock_guard lock(mu);
        for (auto& op : batch.ops) fail(op.id, "bulk request failed: " + result.error().message);
        return;
      }
      BatchQueue::Batch again;
      {
        std::lock_guard lock(mu);
        for (std::size_t i = 0; i < batch.ops.size(); ++i) {
          const auto& item = result->items[i];
          if (item.ok) {
            ++report.updated;
            seen(batch.updated_at[i]);
          } else if (item.status == 404) {
            ++report.deleted;  // deleted since the scan: never re-created
          } else if (item.status == 409) {
            conflicts.push_back(batch.ops[i].id);  // changed since the scan
          } else if (retryable(item) && attempt + 1 < opt.max_attempts) {
            ++report.retried;
            again.ops.push_back(std::move(batch.ops[i]));
            again.updated_at.push_back(batch.updated_at[i]);
          } else {
            fail(batch.ops[i].id, item.error_type + ": " + item.error_reason);
          }
        }
      }
      if (!again.ops.empty()) std::this_thread::sleep_for(backoff(attempt));
      batch = std::move(again);
    }
  }
};

Syncer::Syncer(connectors::EngineClient& client, std::shared_ptr<const scoring::Model> model,
               SyncOptions options)
    : client_(client), model_(std::move(model)), options_(std::move(options)) {
  if (options_.index.empty()) options_.index = options_.storefront.sync_index;
}

Result<SyncReport> Syncer::run(SyncMode mode) {
  const auto started = Clock::now();
  const auto& sf = options_.storefront;
  const auto& index = options_.index;
  if (index.empty()) {
    return connectors::makeError(ErrorCode::kInvalidArgument,
                                 "storefront " + sf.name + ": no index to sync");
  }
  const VectorFields target = vectorFields(sf.vector.field, model_->version);

  StateStore store(client_, options_.state_index);
  if (auto r = store.ensureIndex(); !r) return std::unexpected(r.error());
  auto state = store.load(sf.name);
  if (!state) return std::unexpected(state.error());
  if (!state->index.empty() && state->index != index) {
    return connectors::makeError(
        ErrorCode::kInvalidArgument,
        "storefront " + sf.name + ": its sync state belongs to index " + state->index +
            ", not " + index + " (delete the state document to start over)");
  }
  state->index = index;

  // Vectors must never reach a shopper: the index has to keep them out of
  // `_source`. That is fixed when an index is created, so we check, not fix.
  auto mapped = readMapping(client_, index, target, ItemReader::readFields(sf.fields));
  if (!mapped) return std::unexpected(mapped.error());
  if (!mapped->excluded) {
    return connectors::makeError(
        ErrorCode::kInvalidArgument,
        "index " + index + " keeps " + target.vector +
            " in _source, so vectors would appear in search responses; create the index "
            "with \"mappings\": {\"_source\": {\"excludes\": [\"" + sf.vector.field +
            "_*\"]}} (see README, index-sync)");
  }

  // The mapping: knn_vector when asked for or possible, else stored only.
  // Fields already mapped are left alone: a mapping update is a cluster
  // state change, the slowest fixed step of a small incremental pass.
  bool knn = false;
  const int dim = model_->dim();
  if (sf.vector.mode != config::VectorConfig::Mode::kStored && mapped->knn) {
    knn = true;
  } else if (sf.vector.mode == config::VectorConfig::Mode::kStored && mapped->stored) {
    // the stored fields are there; a knn field, if any, is left unwritten
  } else if (sf.vector.mode != config::VectorConfig::Mode::kStored) {
    auto put = client_.putMapping(index, vectorMapping(target, dim, true));
    if (put) {
      knn = true;
    } else if (sf.vector.mode == config::VectorConfig::Mode::kKnn) {
      return connectors::makeError(
          ErrorCode::kInvalidArgument,
          "vector.mode knn: cannot map " + target.knn + " as knn_vector: " + put.error().message +
              " (the k-NN plugin and the index setting index.knn=true are needed)");
    }
  }
  if (!knn && !mapped->stored) {
    if (auto put = client_.putMapping(index, vectorMapping(target, dim, false)); !put) {
      return std::unexpected(put.error());
    }
  }

  // Which version is being written next to which.
  std::optional<VectorFields> carry;
  bool carry_knn = false;
  const bool building = !state->active || state->active->version != model_->version;
  if (building) {
    if (state->active) {
      carry = vectorFields(sf.vector.field, state->active->version);
      carry_knn = state->active->knn;
    }
    if (!state->building || state->building->version != model_->version) {
      state->building = VersionState{model_->version, target.vector, dim, knn, nowMs()};
      if (auto r = store.save(sf.name, *state); !r) return std::unexpected(r.error());
    }
  }

  Impl impl(client_, *model_, options_, target, carry, carry_knn, knn);
  impl.report.version = model_->version;
  impl.report.field = target.vector;
  impl.report.knn = knn;
  impl.report.building = building;

  connectors::ScanRequest scan;
  scan.index = index;
  scan.page_size = sf.sync.page_size;
  // A `_source` filter makes the engine parse and rewrite every document;
  // when the documents hold nothing but what the pass reads, the stored
  // `_source` is sent as it is (on retrotech, 40% of the scan's engine CPU).
  if (!mapped->only_read_fields) scan.source = impl.reader.sourceFilter();
  impl.report.source_filtered = !scan.source.empty();
  // No total to count: a page then stops collecting at its size.
  scan.extra_body = "\"docvalue_fields\":" + impl.reader.docvalueFields() +
                    ",\"seq_no_primary_term\":true,\"track_total_hits\":false";
  impl.report.how = mode == SyncMode::kFull ? "full" : "incremental by content hash";
  if (mode == SyncMode::kIncremental && !building && !sf.fields.updated_at.empty() &&
      state->checkpoint_ms && state->checkpoint_version == model_->version) {
    scan.query = "{\"range\":{" + connectors::jsonString(sf.fields.updated_at) +
                 ":{\"gte\":" + std::to_string(*state->checkpoint_ms) +
                 ",\"format\":\"epoch_millis\"}}}";
    impl.report.how = "incremental by " + sf.fields.updated_at +
                      " >= " + std::to_string(*state->checkpoint_ms);
  } else if (mode == SyncMode::kIncremental && building) {
    impl.report.how = "full (a new model version must cover every item)";
  }

  if (options_.progress) {
    auto count = client_.raw(connectors::HttpRequest{
        "POST", "/" + connectors::encodePathSegment(index) + "/_count", "",
        {{"Content-Type", "application/json"}}, "{\"query\":" + scan.query + "}"});
    if (count && count->status == 200) {
      simdjson::padded_string padded(count->body);
      simdjson::ondemand::parser parser;
      simdjson::ondemand::document doc;
      uint64_t n = 0;
      if (!parser.iterate(padded).get(doc) && !doc["count"].get_uint64().get(n)) {
        options_.progress->setTotal(n);
      }
    }
  }

  impl.report.prepare_seconds = std::chrono::duration<double>(Clock::now() - started).count();
  const auto scan_started = Clock::now();

  // Scan on this thread, write on `concurrency` workers.
  const int workers = std::max(1, sf.sync.concurrency);
  BatchQueue queue(static_cast<std::size_t>(workers) * 2);
  std::vector<std::thread> pool;
  for (int i = 0; i < workers; ++i) {
    pool.emplace_back([&] {
      while (auto batch = queue.pop()) impl.send(std::move(*batch));
    });
  }
  const std::size_t batch_size = static_cast<std::size_t>(std::max(1, sf.sync.batch_size));
  BatchQueue::Batch pending;
  // The scanning thread builds each batch before queueing it, so a worker
  // is never between two bulk requests for the tower's sake: the engine
  // keeps `concurrency` requests to work on while the scan runs ahead.
  auto flush = [&] {
    if (pending.items.empty()) return;
    impl.buildOps(pending);
    queue.push(std::move(pending));
    pending = {};
  };
  auto stopping = [&] { return options_.stop && options_.stop->load(); };
  auto take = [&](const connectors::SearchResponse& page) {
    for (const auto& hit : page.hits) {
      if (auto item = impl.select(hit)) {
        pending.items.push_back(std::move(*item));
        if (pending.items.size() >= batch_size) flush();
      }
    }
    if (options_.progress) {
      std::lock_guard lock(impl.mu);
      options_.progress->update(impl.report.scanned, impl.report.updated);
    }
    return !stopping();
  };
  auto scanned = client_.scan(scan, take);
  flush();
  queue.close();
  for (auto& t : pool) t.join();
  if (!scanned) return std::unexpected(scanned.error());

  // Documents that changed between scan and update: read them again (after
  // a refresh, so the search sees their latest version).
  if (!impl.conflicts.empty()) (void)client_.refresh(index);
  for (int round = 0; round < kConflictRounds && !impl.conflicts.empty() && !stopping();
       ++round) {
    std::vector<std::string> ids;
    ids.swap(impl.conflicts);
    impl.report.retried += ids.size();
    std::string values = "[";
    for (std::size_t i = 0; i < ids.size(); ++i) {
      if (i) values += ',';
      connectors::appendJsonString(values, ids[i]);
    }
    values += "]";
    auto page = client_.search(
        index, "{\"size\":" + std::to_string(ids.size()) + ",\"query\":{\"ids\":{\"values\":" +
                   values + "}}," +
                   (scan.source.empty() ? "" : "\"_source\":" + scan.source + ",") +
                   scan.extra_body + "}");
    if (!page) return std::unexpected(page.error());
    std::size_t found = 0;
    BatchQueue::Batch batch;
    for (const auto& hit : page->hits) {
      ++found;
      {
        std::lock_guard lock(impl.mu);
        --impl.report.scanned;  // counted once per item, not per attempt
      }
      if (auto item = impl.select(hit)) batch.items.push_back(std::move(*item));
    }
    impl.report.deleted += ids.size() - found;
    impl.send(std::move(batch));
  }
  for (auto& id : impl.conflicts) impl.fail(id, "changed repeatedly during the sync");

  SyncReport report = std::move(impl.report);
  report.scan_write_seconds =
      std::chrono::duration<double>(Clock::now() - scan_started).count();
  report.stopped = stopping();
  const bool complete = !impl.any_failure && !report.stopped;
  // Readers that follow the switch must find every written vector searchable.
  if (report.updated > 0) {
    if (auto r = client_.refresh(index); !r) return std::unexpected(r.error());
  }
  bool save = false;
  if (complete && building) {
    state->active = *state->building;
    state->active->at_ms = nowMs();
    state->building.reset();
    report.switched = true;
    save = true;
  }
  // The checkpoint moves only past a pass where every item was acknowledged.
  if (complete && impl.max_seen_ms) {
    if (state->checkpoint_version != model_->version || !state->checkpoint_ms ||
        *impl.max_seen_ms > *state->checkpoint_ms) {
      state->checkpoint_ms = impl.max_seen_ms;
      state->checkpoint_version = model_->version;
      save = true;
    }
  }
  if (save) {
    if (auto r = store.save(sf.name, *state); !r) return std::unexpected(r.error());
  }
  report.checkpoint_ms = state->checkpoint_ms;
  report.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  if (options_.progress) options_.progress->finish(report.scanned, report.updated);
  return report;
}

}  // namespace rr::index_sync
