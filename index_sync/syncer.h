// One sync pass for one storefront: scan the product index, compute each
// item's vector with the model's item tower, write it back with bulk partial
// updates. See vector_fields.h for the field layout and sync_state.h for
// the version switch.
//
// Guarantees:
// - An update applies only to the document version that was scanned
//   (if_seq_no/if_primary_term); a document changed meanwhile is scanned
//   again, so a vector is never written for stale content.
// - An update never creates a document: an item deleted from the catalog
//   stays deleted (counted as `deleted`).
// - Items whose stored meta already says "this model version, this content"
//   are skipped, so a rerun after a crash writes only what is missing.
// - A new model version is written next to the active one (whose vectors
//   are carried along in every update) and becomes active only when a pass
//   over every item ended without a failure.
// - The incremental checkpoint moves only when every item of the pass was
//   acknowledged (written or already current).
// - 429/503 and rejected-execution items are retried with backoff; other
//   failures are reported item by item.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "connectors/engine_client.h"
#include "index_sync/progress.h"
#include "scoring/model.h"

namespace rr::index_sync {

enum class SyncMode {
  kFull,         // every item (skipping those already current)
  kIncremental,  // items changed since the checkpoint (by updated-at) or by content hash
};

struct SyncOptions {
  config::StorefrontConfig storefront;
  std::string index;  // the product index (default: storefront.sync_index)
  std::string state_index = "rerank-sync-state";
  bool force = false;  // rewrite every item even when its vector is current
  int max_attempts = 6;  // per item for 429/503/rejections, per batch for transport errors
  std::chrono::milliseconds base_backoff{100};
  std::chrono::milliseconds max_backoff{5000};
  // Called with each bulk batch just before it is sent (tests inject
  // concurrent edits and deletions here). Runs on a worker thread.
  std::function<void(const std::vector<connectors::BulkOp>&)> before_bulk;
  Progress* progress = nullptr;  // optional
  // Set (e.g. by SIGTERM) to stop scanning; batches in flight finish, the
  // version is not switched and the checkpoint does not move.
  const std::atomic<bool>* stop = nullptr;
};

struct ItemFailure {
  std::string id;
  std::string reason;  // the engine's type and reason, or what was wrong
};

struct SyncReport {
  std::string version;  // model version written
  std::string field;    // its vector field
  bool knn = false;     // a knn_vector field was written too
  bool building = false;  // the pass wrote a version that was not active
  bool switched = false;  // ... and made it active
  std::string how;        // "full", "incremental by updated_at >= ...", ...
  // The scan asked for the mapped fields only; false when the documents
  // hold nothing else, and the whole `_source` was cheaper to send.
  bool source_filtered = true;
  std::size_t scanned = 0;
  std::size_t updated = 0;
  std::size_t skipped = 0;   // already current
  std::size_t deleted = 0;   // gone before the update reached them
  std::size_t failed = 0;
  std::size_t retried = 0;   // items sent again (429/503, conflicts)
  std::optional<int64_t> checkpoint_ms;
  bool stopped = false;
  double seconds = 0;
  // Where `seconds` went: reading the state and mapping (prepare), the scan
  // with its writes and conflict re-reads (scan_write), and the refresh and
  // state update after them (finish).
  double prepare_seconds = 0;
  double scan_write_seconds = 0;
  std::vector<ItemFailure> failures;  // the first 1000

  double finishSeconds() const {
    return std::max(0.0, seconds - prepare_seconds - scan_write_seconds);
  }

  double itemsPerSecond() const { return seconds > 0 ? scanned / seconds : 0; }
  std::string toJson() const;
};

class Syncer {
 public:
  Syncer(connectors::EngineClient& client, std::shared_ptr<const scoring::Model> model,
         SyncOptions options);

  // Errors (the pass did not run or was cut short): the index is missing or
  // keeps vectors in `_source`, the mapping cannot be added, k-NN was asked
  // for and is not available, the engine is unreachable, or the state
  // document was changed by another job. Item failures are not errors: they
  // are in the report.
  connectors::Result<SyncReport> run(SyncMode mode);

 private:
  struct Impl;
  connectors::EngineClient& client_;
  std::shared_ptr<const scoring::Model> model_;
  SyncOptions options_;
};

}  // namespace rr::index_sync
