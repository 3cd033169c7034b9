// `_bulk`: building the NDJSON request and reading the per-item results.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "connectors/error.h"

namespace rr::connectors {

struct BulkOp {
  enum class Action { kIndex, kCreate, kUpdate, kDelete };
  Action action = Action::kIndex;
  std::string index;
  std::string id;
  // kIndex/kCreate: the document. kUpdate: the update body, e.g.
  // {"doc":{...}} (an update never creates a missing document unless the body
  // asks for an upsert). kDelete: unused.
  std::string body;
  // Optimistic concurrency: apply only if the document is still at this
  // sequence number and primary term.
  std::optional<int64_t> if_seq_no;
  std::optional<int64_t> if_primary_term;
};

struct BulkItemResult {
  std::string id;
  int status = 0;
  bool ok = false;           // 2xx
  std::string error_type;    // e.g. "mapper_parsing_exception"
  std::string error_reason;  // the engine's own words
};

// Outcome of a bulk call that reached the engine. A partial failure is not
// success: check failed() before treating the batch as written.
struct BulkResult {
  int64_t took = 0;
  std::vector<BulkItemResult> items;  // same order as the request's ops

  std::size_t failed() const;
  bool allOk() const { return failed() == 0; }
};

// The NDJSON body for `ops` (each line terminated by '\n').
// Errors: kInvalidArgument naming the op index for an empty index name, or a
// missing body on an action that needs one.
Result<std::string> buildBulkBody(std::span<const BulkOp> ops);

// Reads a `_bulk` response. `expected_items` guards against a response that
// does not describe every op (kBadResponse).
Result<BulkResult> parseBulkResponse(std::string body,
                                     std::size_t expected_items);

}  // namespace rr::connectors
