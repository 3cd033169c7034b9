// What an index's mapping says about one model version's vector fields:
// read from GET /{index}/_mapping over every concrete index behind a name,
// alias or pattern. The sync pass uses it to choose between a partial update
// and a reindex, and to know whether the k-NN field can be written.
#pragma once

#include <string>
#include <vector>

#include "connectors/engine_client.h"
#include "index_sync/vector_fields.h"

namespace rr::index_sync {

// What GET /{index}/_mapping says about one version's fields, over every
// concrete index behind an alias or pattern.
struct MappingFacts {
  bool excluded = true;  // every field kept out of `_source`
  bool stored = true;    // the vector and meta fields are mapped
  bool knn = true;       // ... and the knn field as a knn_vector
  // Every field a document's `_source` can hold is one the pass reads: the
  // mapping is dynamic (an unmapped field cannot hide in `_source`) and
  // each top-level property is read or kept out of `_source`.
  bool only_read_fields = true;
};

// The facts for `index`; `read_fields` are the catalog fields the pass
// reads (dotted paths allowed). An index that matches nothing is an
// kInvalidArgument error, an unreadable mapping a kBadResponse one.
connectors::Result<MappingFacts> readMapping(connectors::EngineClient& client,
                                             const std::string& index,
                                             const VectorFields& fields,
                                             const std::vector<std::string>& read_fields);

}  // namespace rr::index_sync
