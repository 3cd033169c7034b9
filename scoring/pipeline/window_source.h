// Candidate windows from the real engine: the catalog indexed into
// OpenSearch, and each query's top-N BM25 results fetched with _msearch and
// cached on disk (a replay must not depend on re-asking the engine).
#pragma once

#include <expected>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "connectors/engine_client.h"
#include "scoring/model.h"

namespace rr::scoring::pipeline {

struct Scored {
  std::string id;
  float score = 0;
};

using Window = std::vector<Scored>;

struct WindowSourceOptions {
  std::string index;        // the catalog index in the engine
  int window = 100;         // candidates per query
  std::string cache_file;   // empty: no disk cache
  int batch = 64;           // searches per _msearch
  // Extra members of the index's `settings` when ensureIndexed creates it,
  // e.g. "\"index.knn\":true" so that index-sync can add k-NN vectors.
  std::string extra_settings;
};

class WindowSource {
 public:
  WindowSource(connectors::EngineClient& client, WindowSourceOptions options);

  // Creates the index and loads the catalog unless an index of that name
  // already holds exactly these many documents (a shop's own index is used
  // as it is). An existing index with another count is replaced only when
  // this pipeline created it (`_meta.created_by` in its mapping); any other
  // is left alone and refused with a message. The index keeps `rr_vector*`
  // fields out of `_source`, so index-sync can add the model's vectors and
  // rerankd can serve it. Errors name the engine's.
  std::expected<void, std::string> ensureIndexed(
      const std::vector<scoring::ItemText>& catalog);

  // Called with (queries fetched, queries to fetch): once before the first
  // _msearch and after each batch; never when everything is cached.
  using FetchProgress = std::function<void(std::size_t done, std::size_t total)>;

  // Windows for every query (deduplicated by normalized text), from the
  // cache where present, from the engine otherwise.
  std::expected<void, std::string> prefetch(const std::vector<std::string>& queries,
                                            const FetchProgress& on_batch = {});

  // The window of a normalized query after prefetch (empty if none).
  const Window& window(const std::string& normalized_query) const;

  // The engine request body for a query (BM25 over the product text).
  static std::string queryBody(const std::string& query, int size);
  // Its `query` clause alone (the live replay sends the same one).
  static std::string queryClause(const std::string& query);

 private:
  void loadCache();
  void appendCache(const std::string& query, const Window& w);

  connectors::EngineClient& client_;
  WindowSourceOptions options_;
  std::unordered_map<std::string, Window> windows_;
  Window empty_;
  bool cut_short_ = false;  // the cache's last line has no newline
};

}  // namespace rr::scoring::pipeline
