// The sync state of one storefront, kept as one document in an engine index
// (default `rerank-sync-state`, id = storefront name), so the job itself is
// stateless and any machine can run the next pass.
//
//   active    the model version whose vectors every item has; readers fetch
//             its field. Switched only when a pass over every item of a new
//             version finished without a failure.
//   building  a version being written (its vectors are not read until it
//             becomes active); the active version's vectors are kept
//             alongside meanwhile.
//   checkpoint  for incremental passes by time: the updated-at (epoch ms)
//             below which every item of `checkpoint_version` is written.
// Writes use the document's seq_no/primary_term, so two jobs racing on one
// storefront cannot overwrite each other's state silently.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "connectors/engine_client.h"

namespace rr::index_sync {

struct VersionState {
  std::string version;
  std::string field;  // the vector field (<base>_<tag>)
  int dim = 0;
  bool knn = false;
  int64_t at_ms = 0;  // started (building) or completed (active)
};

struct SyncState {
  std::string index;
  std::optional<VersionState> active;
  std::optional<VersionState> building;
  std::optional<int64_t> checkpoint_ms;
  std::string checkpoint_version;
  // Concurrency control of the stored document; seq_no < 0: not stored yet.
  int64_t seq_no = -1;
  int64_t primary_term = 0;
};

// Serializes / parses the stored document (pure; exposed for tests).
std::string stateToJson(const SyncState& state);
std::expected<SyncState, std::string> stateFromJson(std::string_view json);

class StateStore {
 public:
  StateStore(connectors::EngineClient& client, std::string index)
      : client_(client), index_(std::move(index)) {}

  const std::string& index() const { return index_; }

  // Creates the state index when it does not exist.
  connectors::Result<void> ensureIndex();
  // The storefront's state; an empty state when none was stored yet.
  connectors::Result<SyncState> load(std::string_view storefront);
  // Stores `state` if nobody changed it since it was loaded (kEngineError
  // with status 409 otherwise); updates its seq_no/primary_term.
  connectors::Result<void> save(std::string_view storefront, SyncState& state);

 private:
  connectors::EngineClient& client_;
  std::string index_;
};

}  // namespace rr::index_sync
