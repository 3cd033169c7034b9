// The storefront model: item tower, query encoder, the ranker's MLP, and the
// click statistics learned from the storefront's logs.
//
// Item tower: mean of the title's token vectors + half the mean of the
// description's + brand, category and price-band vectors + a learned ID
// vector for items with enough history (cold items get content alone).
// Query encoder: mean of query-token vectors plus the mean of the same
// tokens' item-side vectors (one token space, so "halo" in a query meets
// "halo" in a title). The user tower is the pooling in WindowScorer over the
// item vectors of the user's history.
//
// A Model is immutable once trained or loaded and may be shared read-only
// between threads; scratch memory lives in WindowScorer (one per thread).
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "scoring/click_stats.h"
#include "scoring/features.h"
#include "scoring/mlp.h"
#include "scoring/tensor.h"
#include "scoring/tokenizer.h"

namespace rr::scoring {

struct ModelDims {
  int dim = 32;
  int hidden1 = 32;
  int hidden2 = 16;
  uint32_t brand_buckets = 4096;
  uint32_t category_buckets = 4096;
  uint32_t id_buckets = 1u << 16;
  int price_buckets = 16;
};

// What the item tower reads about a product.
struct ItemText {
  std::string id;
  std::string title;
  std::string description;
  std::string brand;
  std::string category;
  std::optional<double> price;
};

// An item after tokenizing and hashing: the tower's input rows.
struct ItemInput {
  std::vector<uint32_t> title_tokens;
  std::vector<uint32_t> description_tokens;
  int64_t brand = -1;     // row in the brand table, -1: none
  int64_t category = -1;
  int64_t price = -1;
  int64_t id = -1;        // row in the ID table, -1: cold item
};

struct Params {
  Matrix item_tokens;   // token_buckets x d
  Matrix query_tokens;  // token_buckets x d
  Matrix brands;        // brand_buckets x d
  Matrix categories;    // category_buckets x d
  Matrix prices;        // price_buckets x d
  Matrix ids;           // id_buckets x d
  Mlp mlp;
};

class Model {
 public:
  static constexpr int kFeatureCountForModel = kFeatureCount;
  static constexpr float kDescriptionWeight = 0.5f;
  // Items clicked at least this often in training get an ID vector.
  static constexpr uint32_t kMinClicksForId = 3;

  // A freshly initialized model (small random vectors, He-initialized MLP).
  Model(ModelDims dims, TokenizerSettings tokenizer, uint64_t seed);

  // A model whose parameters the caller fills in (the model-file reader).
  struct Unfilled {};
  Model(ModelDims dims, TokenizerSettings tokenizer, Unfilled);

  // Version string stored in the model file (e.g. "bestbuy-20261122-1").
  std::string version;

  const ModelDims& dims() const { return dims_; }
  const Tokenizer& tokenizer() const { return tokenizer_; }
  int dim() const { return dims_.dim; }

  ItemInput itemInput(const ItemText& item) const;
  // The same without the text's tokens (brand, category, price band and ID
  // row only): for items whose vector is already known. Allocates nothing
  // for ids up to the short-string size.
  ItemInput itemKeys(const ItemText& item) const;
  // Replaces `out` with the query's token ids (callers reuse one buffer per
  // thread; Tokenizer::tokenize itself appends).
  void queryTokens(std::string_view query, std::vector<uint32_t>& out) const;

  // Writes the d floats of the item's / query's vector.
  void itemVector(const ItemInput& item, float* out) const;
  void queryVector(const std::vector<uint32_t>& tokens, float* out) const;

  Params& params() { return params_; }
  const Params& params() const { return params_; }
  ClickStats& stats() { return stats_; }
  const ClickStats& stats() const { return stats_; }

  // The items clicked for each query in the training log, most clicked
  // first (ties by id), at most BuildOptions::prior_extras of them, keyed by
  // the normalized query (Tokenizer::normalize): the "clicked before for this
  // query" extra candidates training adds, so rerankd can add the same ones.
  using QueryClicks = std::unordered_map<std::string, std::vector<std::string>>;
  QueryClicks& queryClicks() { return query_clicks_; }
  const QueryClicks& queryClicks() const { return query_clicks_; }
  // The list for a normalized query, or null.
  const std::vector<std::string>* clickedFor(const std::string& normalized_query) const {
    auto it = query_clicks_.find(normalized_query);
    return it == query_clicks_.end() ? nullptr : &it->second;
  }

  // Free-form provenance stored in the model file (data, split, metrics).
  std::vector<std::pair<std::string, std::string>>& summary() { return summary_; }
  const std::vector<std::pair<std::string, std::string>>& summary() const {
    return summary_;
  }

 private:
  ModelDims dims_;
  Tokenizer tokenizer_;
  Params params_;
  ClickStats stats_;
  QueryClicks query_clicks_;
  std::vector<std::pair<std::string, std::string>> summary_;
};

// The band of a price on a log scale, in [0, buckets).
int priceBand(double price, int buckets);

}  // namespace rr::scoring
