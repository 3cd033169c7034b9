// Small random models and training examples for the scoring tests.
#pragma once

#include <random>

#include "scoring/model.h"
#include "scoring/trainer.h"

namespace rr::testing {

inline scoring::Model tinyModel(uint64_t seed = 3) {
  scoring::ModelDims dims;
  dims.dim = 6;
  dims.hidden1 = 7;
  dims.hidden2 = 5;
  dims.brand_buckets = 8;
  dims.category_buckets = 8;
  dims.id_buckets = 16;
  dims.price_buckets = 4;
  scoring::TokenizerSettings tok;
  tok.buckets = 64;
  tok.char_trigrams = false;
  return scoring::Model(dims, tok, seed);
}

inline scoring::ItemInput randomItem(std::mt19937_64& rng, const scoring::Model& model) {
  scoring::ItemInput item;
  const uint32_t buckets = model.tokenizer().settings().buckets;
  for (int i = 0; i < 3; ++i) item.title_tokens.push_back(static_cast<uint32_t>(rng() % buckets));
  for (int i = 0; i < 4; ++i) {
    item.description_tokens.push_back(static_cast<uint32_t>(rng() % buckets));
  }
  item.brand = static_cast<int64_t>(rng() % model.dims().brand_buckets);
  item.category = static_cast<int64_t>(rng() % model.dims().category_buckets);
  item.price = static_cast<int64_t>(rng() % static_cast<uint64_t>(model.dims().price_buckets));
  item.id = rng() % 2 ? static_cast<int64_t>(rng() % model.dims().id_buckets) : -1;
  return item;
}

inline scoring::TrainingExample randomExample(std::mt19937_64& rng,
                                              const scoring::Model& model,
                                              int candidates, int history) {
  scoring::TrainingExample ex;
  std::uniform_real_distribution<float> unit(0.0f, 1.0f);
  for (int c = 0; c < candidates; ++c) {
    ex.candidates.push_back(randomItem(rng, model));
    ex.stats.push_back({.engine_score = 10.0f - static_cast<float>(c),
                        .engine_rank = c,
                        .click_prior = unit(rng) * 0.3f,
                        .token_prior = unit(rng) * 0.2f,
                        .popularity = unit(rng),
                        .similar_prior = unit(rng) * 0.3f,
                        .item_known = c % 2 == 0});
  }
  for (int j = 0; j < history; ++j) {
    ex.history.push_back(randomItem(rng, model));
    ex.history_weight.push_back(0.2f + unit(rng));
    ex.session_weight.push_back(j % 2 ? ex.history_weight.back() : 0.0f);
  }
  for (int t = 0; t < 3; ++t) {
    ex.query_tokens.push_back(
        static_cast<uint32_t>(rng() % model.tokenizer().settings().buckets));
  }
  // With history, some candidates followed the shopper's latest items.
  if (history > 0) {
    for (int c = 0; c < candidates; ++c) ex.next_item.push_back(c % 3 == 0 ? unit(rng) * 2.0f : 0.0f);
  }
  ex.target = candidates / 2;
  return ex;
}

}  // namespace rr::testing
