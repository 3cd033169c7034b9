// Replays an event log in time order and turns each labelled search into a
// model input, using only what happened before that search: the user's
// earlier interactions (history), the click statistics so far, and the
// engine's own candidate window for the query plus extra candidates (items
// clicked for this query before, and the items nearest the model's query
// vector: the learned query->item retrieval).
#pragma once

#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "scoring/model.h"
#include "scoring/pipeline/window_source.h"
#include "scoring/trainer.h"

namespace rr::scoring::pipeline {

struct LogEvent {
  enum class Kind { kSearch, kView, kClick, kCart, kPurchase };
  Kind kind = Kind::kSearch;
  std::string user;
  std::string session;
  std::string item;   // interactions; for searches, the clicked item if known
  std::string query;  // searches
  int64_t ts_ms = 0;
  // Searches that rerankd served: the items shown, in order, the first at
  // position `from` + 1 (its activity log). Empty when not known.
  std::vector<std::string> impressions;
  int from = 0;
};

struct BuildOptions {
  int window = 100;           // engine candidates used
  int prior_extras = 10;      // items clicked before for this exact query
  int vector_extras = 20;     // nearest items to the query vector
  int max_history = 30;
  double half_life_days = 30;        // history weights
  double stats_half_life_days = 0;   // click statistics (0: no decay)
  // The evaluated period's clicks join the click statistics as they
  // happen, each right after its own search is scored: what rerankd's live
  // statistics do with the clicks it is sent. Off: the statistics stay as
  // they were at `stats_until_ms`. Which items have an ID row stays as it
  // was then either way (rerankd's item vectors come from the last sync).
  bool online_stats = false;
  // Position bias, for searches whose impressions are known: a click at
  // position k weighs k^position_bias (the inverse of the chance a shopper
  // looks that far, (1/k)^position_bias), at most max_position_weight.
  // 0 (the default): no weighting.
  double position_bias = 0;
  double max_position_weight = 10.0;
};

// Where a candidate came from (bit flags; an extra found both ways has both).
enum CandidateOrigin : uint8_t {
  kFromEngine = 1,       // the engine's window
  kClickedBefore = 2,    // clicked for this exact query before (prior extras)
  kNearQuery = 4,        // among the items nearest the model's query vector
  kShown = 8,            // served to the shopper (impressions): real negatives
};

// One labelled search, ready to score.
struct Labelled {
  int64_t ts_ms = 0;
  std::string user;
  std::string query;                    // normalized
  std::string target;                   // the clicked item
  std::vector<std::string> candidates;  // ids, engine window first
  std::vector<uint8_t> origins;         // per candidate: CandidateOrigin flags
  int engine_count = 0;                 // candidates that came from the engine
  int engine_rank = -1;                 // target's rank in the engine window
  bool has_history = false;
  int click_position = 0;               // 1-based, when the impressions show it; else 0
  scoring::TrainingExample example;     // target = -1 when not a candidate
};

class ExampleBuilder {
 public:
  ExampleBuilder(const std::vector<scoring::ItemText>& catalog, const WindowSource& windows,
                 BuildOptions options);

  // Replays `events` (sorted by time). Statistics are gathered into
  // `model.stats()` from events before `stats_until_ms` only (later ones
  // are the test period), unless `online_stats`; history always follows
  // the log. Calls
  // `on_search` for each labelled search with ts in [from_ms, to_ms).
  // `model` supplies the query vectors for the vector extras (pass the model
  // being trained; its stats are reset first).
  void replay(const std::vector<LogEvent>& events, scoring::Model& model,
              int64_t stats_until_ms, int64_t from_ms, int64_t to_ms,
              const std::function<void(Labelled&)>& on_search);

  // Per query clicked before the last replay's `stats_until_ms`, the
  // clicked-before extras a search for it then gets (the same selection as
  // the replay's): for the model file, so rerankd can add the same ones.
  // Queries whose clicked items are all outside the catalog are left out.
  scoring::Model::QueryClicks clickLists() const;

 private:
  struct Past {
    std::string item;
    LogEvent::Kind kind;
    int64_t ts_ms;
    std::string session;
  };
  scoring::ItemInput input(const std::string& id, const scoring::Model& model) const;
  // `training`: the search is in the statistics period (a training list),
  // not an evaluated one.
  void build(const LogEvent& search, scoring::Model& model, bool training, Labelled& out);
  // The clicked-before extras for a query's click counts: the
  // `prior_extras` most clicked (ties by id), those in the catalog.
  std::vector<std::string> clickedBefore(
      const std::unordered_map<std::string, int>& counts) const;
  void nearestToQuery(const scoring::Model& model, const std::vector<uint32_t>& tokens,
                      std::vector<std::string>& out);

  const std::vector<scoring::ItemText>& catalog_;
  std::unordered_map<std::string, std::size_t> by_id_;
  std::vector<scoring::ItemInput> inputs_;  // per catalog item, without ID row
  const WindowSource& windows_;
  BuildOptions options_;
  std::unordered_map<std::string, std::deque<Past>> history_;
  std::unordered_map<std::string, std::unordered_map<std::string, int>> query_clicks_;
  scoring::Matrix catalog_vectors_;  // recomputed per replay
  // With online statistics: the items known at `stats_until_ms` (raw click
  // counts then), which keep deciding ID rows.
  std::optional<scoring::ClickStats::Tables::Items> frozen_clicks_;
  // ... the click lists as the model file has them, and the clicks per
  // query since: the clicked-before extras are their merge
  // (scoring::mergeClickLists), as rerankd's.
  std::optional<scoring::Model::QueryClicks> frozen_lists_;
  std::unordered_map<std::string, std::unordered_map<std::string, int>> clicks_since_;
};

}  // namespace rr::scoring::pipeline
