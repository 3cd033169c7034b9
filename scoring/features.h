// The ranker's feature schema: one row of these per candidate. The order is
// part of the model file; a model whose schema differs is refused at load.
#pragma once

#include <array>
#include <string_view>

namespace rr::scoring {

enum Feature : int {
  kEngineScore = 0,   // engine _score / the window's max score
  kEngineLogScore,    // log(1 + engine _score)
  kRankRecip,         // 1 / (1 + engine rank)
  kQueryItem,         // query vector . item vector
  kUserAttention,     // history pooled with attention against the item . item
  kUserLongTerm,      // long-term (decayed, type-weighted) vector . item
  kUserSession,       // current-session vector . item
  kMaxHistorySim,     // max over history items of history item . item
  kClickPrior,        // smoothed click-through of this item for this query
  kTokenPrior,        // the same per query word, averaged over the words
  kPopularity,        // log(1 + item clicks) / log(1 + max item clicks)
  kHasHistory,        // 1 when the user has any history
  kItemKnown,         // 1 when the item had enough history for an ID vector
  kBrandAffinity,     // share of the history (by weight) with the item's brand
  kCategoryAffinity,  // the same for the item's category
  kPriceAffinity,     // the same for the item's price band
  kSimilarPrior,      // click_prior of the most similar logged query, for a
                      // query never clicked from (else the item's share)
  kNextItem,          // how often shoppers took this item right after the
                      // user's latest items (ClickStats::nextItem)
  kFeatureCount
};

inline constexpr std::array<std::string_view, kFeatureCount> kFeatureNames = {
    "engine_score", "engine_log_score", "rank_recip",   "query_item",
    "user_attention", "user_long_term", "user_session", "max_history_sim",
    "click_prior",  "token_prior",      "popularity",   "has_history",
    "item_known",   "brand_affinity",   "category_affinity", "price_affinity",
    "similar_prior", "next_item"};

// Comma-separated names, as stored in model files.
std::string_view featureSchema();

}  // namespace rr::scoring
