// The live scorer must give exactly the scores the training pipeline's
// scorer gives for the same search: what is served is what was trained.
#include <catch2/catch.hpp>

#include <cmath>

#include "rerank/live_scorer.h"
#include "scoring/example_scorer.h"
#include "scoring/tokenizer.h"

using namespace rr;

namespace {

std::vector<scoring::ItemText> catalog() {
  std::vector<scoring::ItemText> items;
  const char* brands[] = {"Acme", "Globex", "Initech"};
  for (int i = 0; i < 30; ++i) {
    items.push_back({"sku" + std::to_string(i), "Item " + std::to_string(i) + " wireless mouse",
                     "A mouse for work", brands[i % 3], i % 2 ? "Mice" : "Keyboards",
                     10.0 + i});
  }
  return items;
}

std::shared_ptr<scoring::Model> trainedLookingModel(const std::vector<scoring::ItemText>& items) {
  scoring::ModelDims dims;
  dims.dim = 16;
  dims.brand_buckets = 64;
  dims.category_buckets = 64;
  dims.id_buckets = 256;
  scoring::TokenizerSettings tok;
  tok.buckets = 4096;
  auto model = std::make_shared<scoring::Model>(dims, tok, 11);
  // Click statistics, so priors, popularity and ID rows are not all zero.
  for (int k = 0; k < 40; ++k) {
    model->stats().addClick("wireless mouse", items[static_cast<std::size_t>(k % 7)].id);
  }
  // What shoppers took next: sku3 after sku24 and after sku23, sku5 after
  // sku24 (the test's history ends with sku23, sku24).
  model->stats().addTransition("sku24", "sku3", 1.0f);
  model->stats().addTransition("sku23", "sku3", 1.0f);
  model->stats().addTransition("sku24", "sku5", 0.5f);
  return model;
}

}  // namespace

TEST_CASE("the live scorer scores a window exactly as the training scorer does",
          "[rerank][live_scorer]") {
  const auto items = catalog();
  auto model = trainedLookingModel(items);
  const std::string query = "Wireless  Mouse";
  const int64_t now = 1'700'000'000'000;

  // The same search as the pipeline would build it.
  scoring::TrainingExample ex;
  std::vector<rerank::LiveCandidate> live;
  std::vector<std::vector<float>> index_vectors;
  const std::string normalized = scoring::Tokenizer::normalize(query);
  for (int c = 0; c < 20; ++c) {
    const auto& item = items[static_cast<std::size_t>(c)];
    ex.candidates.push_back(model->itemInput(item));
    ex.stats.push_back({.engine_score = 10.0f - 0.3f * c,
                        .engine_rank = c,
                        .click_prior = model->stats().clickPrior(normalized, item.id),
                        .token_prior = model->stats().tokenPrior(normalized, item.id),
                        .popularity = model->stats().popularity(item.id),
                        .similar_prior = model->stats().similarPrior(normalized, item.id),
                        .item_known = ex.candidates.back().id >= 0});
    // Half the candidates bring their vector from the index (as index-sync
    // wrote it), half are computed from their text.
    std::vector<float> v(16);
    model->itemVector(model->itemInput(item), v.data());
    index_vectors.push_back(v);
  }
  for (int c = 0; c < 20; ++c) {
    rerank::LiveCandidate cand;
    cand.text = items[static_cast<std::size_t>(c)];
    if (c % 2 == 0) cand.vector = index_vectors[static_cast<std::size_t>(c)];
    cand.engine_score = 10.0f - 0.3f * c;
    cand.engine_rank = c;
    live.push_back(cand);
  }
  model->queryTokens(normalized, ex.query_tokens);
  std::vector<rerank::ProfileEvent> events;
  const rerank::EventKind kinds[] = {rerank::EventKind::kView, rerank::EventKind::kPurchase,
                                     rerank::EventKind::kClick, rerank::EventKind::kCart};
  for (int h = 0; h < 4; ++h) {
    rerank::ProfileEvent e;
    e.kind = kinds[h];
    e.item_id = items[static_cast<std::size_t>(21 + h)].id;
    e.session_id = h < 2 ? "old" : "now";
    e.ts_ms = now - (4 - h) * 86400000LL * 3;
    e.item = std::make_shared<scoring::ItemText>(items[static_cast<std::size_t>(21 + h)]);
    events.push_back(e);
    ex.history.push_back(model->itemInput(*e.item));
    const float w = rerank::eventWeight(e.kind) *
                    static_cast<float>(std::pow(0.5, double(now - e.ts_ms) / (30 * 86400e3)));
    ex.history_weight.push_back(w);
    ex.session_weight.push_back(e.session_id == "now" ? w : 0.0f);
  }
  // The next-item feature as the pipeline computes it: the latest items first.
  const std::vector<std::string_view> recent{"sku24", "sku23", "sku22", "sku21"};
  std::vector<std::string_view> ids;
  for (int c = 0; c < 20; ++c) ids.push_back(items[static_cast<std::size_t>(c)].id);
  ex.next_item.resize(ids.size());
  model->stats().nextItem(recent, ids, ex.next_item);
  REQUIRE(ex.next_item[3] == Approx(std::log1p(1.0f + 0.8f)));

  scoring::ExampleScorer trained(*model);
  std::vector<float> want;
  trained.score(ex, want);
  rerank::LiveScorer served(*model);
  std::vector<float> got;
  std::size_t computed = 0;
  served.score(query, live, {events, "now", now, 30}, got, &computed);
  CHECK(computed == 10);
  REQUIRE(got.size() == want.size());
  for (std::size_t c = 0; c < want.size(); ++c) {
    INFO("candidate " << c);
    CHECK(got[c] == Approx(want[c]).epsilon(1e-5));
  }
  CHECK(served.hadHistory());
  std::vector<float> features, contributions;
  served.explain(3, features, contributions);
  CHECK(features[scoring::kNextItem] == Approx(std::log1p(1.0f + 0.8f)));
  served.explain(5, features, contributions);
  CHECK(features[scoring::kNextItem] == Approx(std::log1p(0.5f)));
  served.explain(4, features, contributions);
  CHECK(features[scoring::kNextItem] == 0.0f);

  // Without the profile it is the anonymous model, again as trained.
  ex.clearHistory();
  trained.score(ex, want);
  served.score(query, live, {{}, "", now, 30}, got);
  for (std::size_t c = 0; c < want.size(); ++c) CHECK(got[c] == Approx(want[c]).epsilon(1e-5));
  CHECK_FALSE(served.hadHistory());

  served.explain(3, features, contributions);
  CHECK(features[scoring::kNextItem] == 0.0f);
  CHECK(features.size() == scoring::kFeatureCount);
  CHECK(contributions.size() == scoring::kFeatureCount);
}

TEST_CASE("an item whose fields changed is scored with its new fields, not a cached copy",
          "[rerank][live_scorer]") {
  // The scorer keeps history vectors by content across searches (and any
  // per-item cache of candidates' keys would be as tempting): a hit or a
  // history item whose brand or price changed must not be served the keys
  // of before.
  const auto items = catalog();
  auto model = trainedLookingModel(items);
  const int64_t now = 1'700'000'000'000;
  rerank::LiveScorer served(*model);
  std::vector<float> vector(16, 0.1f);
  rerank::LiveCandidate cand;
  cand.text = items[0];
  cand.text.brand = "Acme";
  cand.vector = vector;
  auto past = std::make_shared<scoring::ItemText>(items[5]);
  past->brand = "Globex";
  std::vector<rerank::ProfileEvent> events(1);
  events[0].kind = rerank::EventKind::kPurchase;
  events[0].item_id = past->id;
  events[0].ts_ms = now - 1000;
  events[0].item = past;

  auto brandAffinity = [&] {
    std::vector<float> got, features, contributions;
    served.score("mouse", std::span(&cand, 1), {events, "", now, 30}, got);
    served.explain(0, features, contributions);
    return features[scoring::kBrandAffinity];
  };
  CHECK(brandAffinity() == 0.0f);
  cand.text.brand = "Globex";  // the same id, its brand changed in the index
  CHECK(brandAffinity() == 1.0f);
  auto edited = std::make_shared<scoring::ItemText>(*past);
  edited->brand = "Initech";  // the history item as a later event recorded it
  events[0].item = edited;
  CHECK(brandAffinity() == 0.0f);
  auto priceAffinity = [&] {
    std::vector<float> got, features, contributions;
    served.score("mouse", std::span(&cand, 1), {events, "", now, 30}, got);
    served.explain(0, features, contributions);
    return features[scoring::kPriceAffinity];
  };
  cand.text.price = edited->price;
  CHECK(priceAffinity() == 1.0f);
  cand.text.price = 999.0;  // a price change alone also gives new keys
  CHECK(priceAffinity() == 0.0f);
}

TEST_CASE("history vectors served from the cache, and after it fills and starts again, score "
          "as freshly computed ones",
          "[rerank][live_scorer]") {
  const auto items = catalog();
  auto model = trainedLookingModel(items);
  const int64_t now = 1'700'000'000'000;
  rerank::LiveCandidate cand;
  cand.text = items[0];
  // A shopper's history of 50 items, each a distinct text.
  auto historyOf = [&](int first) {
    std::vector<rerank::ProfileEvent> events(50);
    for (int k = 0; k < 50; ++k) {
      auto& e = events[static_cast<std::size_t>(k)];
      e.kind = rerank::EventKind::kClick;
      e.item_id = "h" + std::to_string(first + k);
      e.ts_ms = now - 1000 * (50 - k);
      e.item = std::make_shared<scoring::ItemText>(scoring::ItemText{
          e.item_id, "Item " + e.item_id + " mouse", "", k % 2 ? "Acme" : "Globex", "Mice", 5.0 + k});
    }
    return events;
  };
  const auto probe = historyOf(0);
  auto scoreWith = [&](rerank::LiveScorer& s, const std::vector<rerank::ProfileEvent>& events) {
    std::vector<float> got;
    s.score("mouse", std::span(&cand, 1), {events, "", now, 30}, got);
    return got.at(0);
  };
  rerank::LiveScorer fresh(*model);
  const float want = scoreWith(fresh, probe);
  rerank::LiveScorer served(*model);
  CHECK(scoreWith(served, probe) == want);  // computed and cached
  CHECK(scoreWith(served, probe) == want);  // from the cache
  // Past 20,000 distinct items the cache starts again (probe's rows gone).
  for (int first = 50; first < 20'200; first += 50) scoreWith(served, historyOf(first));
  CHECK(scoreWith(served, probe) == want);
  CHECK(scoreWith(served, probe) == want);
  // A history that mixes cached rows and new ones.
  auto mixed = probe;
  mixed.resize(25);
  const auto later = historyOf(40'000);
  mixed.insert(mixed.end(), later.begin(), later.begin() + 25);
  CHECK(scoreWith(served, mixed) == scoreWith(fresh, mixed));
}
