// The model's parts: tokenizer, click statistics, window scoring, training.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "scoring/click_stats.h"
#include "scoring/tokenizer.h"
#include "scoring/window_scorer.h"
#include "tests/scoring/example_factory.h"

using namespace rr::scoring;

TEST_CASE("a typo shares most token ids with the right word", "[unit][scoring]") {
  Tokenizer tok;
  std::vector<uint32_t> right, typo, other;
  tok.tokenize("Halo", right);
  tok.tokenize("halo!", typo);  // punctuation and case do not matter
  CHECK(right == typo);
  right.clear();
  typo.clear();
  tok.tokenize("legendary", right);
  tok.tokenize("legandary", typo);
  tok.tokenize("monopoly", other);
  auto shared = [](std::vector<uint32_t> a, std::vector<uint32_t> b) {
    std::ranges::sort(a);
    std::ranges::sort(b);
    std::vector<uint32_t> both;
    std::ranges::set_intersection(a, b, std::back_inserter(both));
    return both.size();
  };
  CHECK(shared(right, typo) >= 6);  // 11 pieces each, most trigrams agree
  CHECK(shared(right, other) <= 1);
  CHECK(Tokenizer::normalize("  Call of  DUTY: 4 ") == "call of duty 4");
}

TEST_CASE("token ids are FNV-1a of kind byte and piece: saved models rely on them",
          "[unit][scoring]") {
  // Written out the plain way: a faster tokenizer must give these same ids,
  // or every trained table in every model file points at the wrong rows.
  auto id = [](const TokenizerSettings& s, char kind, std::string_view piece) {
    uint64_t h = 14695981039346656037ull ^ s.seed;
    for (unsigned char c : std::string(1, kind) + std::string(piece)) {
      h ^= c;
      h *= 1099511628211ull;
    }
    return static_cast<uint32_t>(h % s.buckets);
  };
  for (const TokenizerSettings& s :
       {TokenizerSettings{}, TokenizerSettings{.buckets = 100003, .char_trigrams = true, .seed = 9},
        TokenizerSettings{.buckets = 4096, .char_trigrams = false, .seed = 1}}) {
    std::vector<uint32_t> expected;
    for (std::string_view word : {"bf3", "halo", "x"}) {
      expected.push_back(id(s, 'w', word));
      if (!s.char_trigrams) continue;
      const std::string framed = "#" + std::string(word) + "#";
      for (std::size_t i = 0; i + 3 <= framed.size(); ++i) {
        expected.push_back(id(s, 'g', std::string_view(framed).substr(i, 3)));
      }
    }
    std::vector<uint32_t> got{42};  // appends, keeps what was there
    Tokenizer(s).tokenize("  BF3: Halo\xc3\xa9-x ", got);
    REQUIRE(got.front() == 42);
    got.erase(got.begin());
    CHECK(got == expected);
  }
}

TEST_CASE("value ids are FNV-1a of the normalized value, prefix and all: saved models rely on them",
          "[unit][scoring]") {
  // Brand, category and ID rows: hashValue streams normalize(prefix + value)
  // without building it; it must give the ids the plain way gives.
  auto id = [](const TokenizerSettings& s, const std::string& whole, uint32_t buckets) {
    uint64_t h = 14695981039346656037ull ^ s.seed;
    for (unsigned char c : Tokenizer::normalize(whole)) {
      h ^= c;
      h *= 1099511628211ull;
    }
    return static_cast<uint32_t>(h % buckets);
  };
  const std::pair<std::string, std::string> cases[] = {
      {"", "Sony"}, {"", "  Video Games > Xbox 360 "}, {"id:", "1234567"},
      {"id:", " B00-X"}, {"id:", ":lead"}, {"", ""}, {"id:", ""}, {"a ", " b"},
      {"", "Caf\xc3\xa9  Noir!"}};
  for (const TokenizerSettings& s :
       {TokenizerSettings{}, TokenizerSettings{.buckets = 4096, .char_trigrams = false, .seed = 7}}) {
    const Tokenizer tok(s);
    for (const auto& [prefix, value] : cases) {
      INFO("'" << prefix << "' + '" << value << "'");
      CHECK(tok.hashValue(prefix, value, 1000003) == id(s, prefix + value, 1000003));
      if (prefix.empty()) CHECK(tok.hashValue(value, 4099) == id(s, value, 4099));
    }
  }
}

TEST_CASE("token ids depend on the seed, so a model file must record it", "[unit][scoring]") {
  std::vector<uint32_t> a, b;
  Tokenizer({.buckets = 1u << 17, .char_trigrams = true, .seed = 1}).tokenize("halo", a);
  Tokenizer({.buckets = 1u << 17, .char_trigrams = true, .seed = 2}).tokenize("halo", b);
  CHECK(a.size() == 5);
  CHECK(a != b);
}

TEST_CASE("a reused query token buffer holds only the last query's tokens", "[unit][scoring]") {
  // rerankd keeps one buffer per thread: appending would make every query
  // vector the mean over all queries that thread has served.
  const Model model = rr::testing::tinyModel();
  std::vector<uint32_t> fresh, reused;
  model.queryTokens("halo", reused);
  model.queryTokens("call of duty", reused);
  model.queryTokens("call of duty", fresh);
  CHECK(reused == fresh);
}

TEST_CASE("click priors and popularity match hand-computed values", "[unit][scoring]") {
  ClickStats stats;
  for (int i = 0; i < 3; ++i) stats.addClick("halo", "A");
  stats.addClick("halo", "B");
  stats.addClick("forza", "B");
  stats.addClick("", "C");  // a click outside search: popularity only
  // share(A) = 3/6; prior(halo, A) = (3 + 3 * 0.5) / (4 + 3)
  CHECK(stats.clickPrior("halo", "A") == Approx((3 + 3 * 0.5) / 7.0));
  // an unseen query falls back to the item's overall share
  CHECK(stats.clickPrior("kinect", "B") == Approx(2.0 / 6.0));
  CHECK(stats.clickPrior("halo", "Z") == Approx(0.0));
  CHECK(stats.popularity("A") == Approx(1.0));
  CHECK(stats.popularity("C") == Approx(std::log1p(1.0) / std::log1p(3.0)));
  // word level: "halo" clicks on A: 3 of 4 -> (3 + 3 * 0.5) / (4 + 3); a
  // query never seen whole still gets it through its known word.
  CHECK(stats.tokenPrior("halo", "A") == Approx((3 + 3 * 0.5) / 7.0));
  CHECK(stats.tokenPrior("halo wars", "A") ==
        Approx(((3 + 3 * 0.5) / 7.0 + (0 + 3 * 0.5) / 3.0) / 2.0));
  CHECK(stats.known("A", 3));
  CHECK_FALSE(stats.known("B", 3));
}

TEST_CASE("with a half-life, recent clicks outweigh old ones", "[unit][scoring]") {
  constexpr int64_t kDay = 86400000;
  ClickStats stats(1.0);  // half-life: one day
  stats.addClick("halo", "old", 0);
  stats.addClick("halo", "old", 0);
  stats.addClick("halo", "new", 2 * kDay);  // worth 4 clicks made on day 0
  // Masses as of day 2: old = 2 * 1/4 = 0.5, new = 1; query total 1.5.
  stats.setNow(2 * kDay);
  const double share_new = 1.0 / 1.5, share_old = 0.5 / 1.5;
  CHECK(stats.clickPrior("halo", "new") == Approx((1.0 + 3 * share_new) / (1.5 + 3)));
  CHECK(stats.clickPrior("halo", "old") == Approx((0.5 + 3 * share_old) / (1.5 + 3)));
  CHECK(stats.clickPrior("halo", "new") > stats.clickPrior("halo", "old"));
  CHECK(stats.popularity("new") == Approx(1.0));
  CHECK(stats.popularity("old") == Approx(std::log1p(0.5) / std::log1p(1.0)));
  // A day later everything has halved; the ratios have not moved.
  const float prior = stats.clickPrior("halo", "new");
  stats.setNow(3 * kDay);
  CHECK(stats.popularity("new") == Approx(std::log1p(0.5) / std::log1p(0.5)));
  CHECK(stats.clickPrior("halo", "new") == Approx(prior));
  // ID vectors still follow the plain counts.
  CHECK(stats.itemClicks("old") == 2);
  ClickStats plain;
  plain.addClick("halo", "old", 0);
  plain.addClick("halo", "new", 5 * kDay);
  CHECK(plain.popularity("old") == Approx(plain.popularity("new")));
}

TEST_CASE("decayed statistics re-anchor instead of overflowing, with the same features",
          "[unit][scoring]") {
  constexpr int64_t kDay = 86400000;
  // A click a year later weighs 2^1460 of the first: more than a double holds.
  ClickStats stats(0.25);
  ClickStats near(0.25);
  stats.addClick("halo", "old", 0);
  const int64_t later = 365 * kDay;
  for (ClickStats* s : {&stats, &near}) {
    s->addClick("halo", "new", later);
    s->addClick("halo", "new", later + kDay);
    s->addClick("halo wars", "old", later + kDay);
    s->setNow(later + 2 * kDay);
  }
  // The first click is worthless by now: the two agree on every feature.
  for (const char* item : {"old", "new"}) {
    INFO(item);
    CHECK(std::isfinite(stats.clickPrior("halo", item)));
    CHECK(stats.clickPrior("halo", item) == Approx(near.clickPrior("halo", item)).margin(1e-6));
    CHECK(stats.tokenPrior("halo wars", item) ==
          Approx(near.tokenPrior("halo wars", item)).margin(1e-6));
    CHECK(stats.popularity(item) == Approx(near.popularity(item)).margin(1e-6));
  }
  CHECK(stats.tables().anchor_ms > 0);
  CHECK(stats.itemClicks("old") == 2);
}

TEST_CASE("a query's priors for many items are the single calls' values, bit for bit",
          "[unit][scoring]") {
  // rerankd computes the click features with forQuery; training with the
  // single calls. Served features must be the trained ones exactly.
  constexpr int64_t kDay = 86400000;
  for (double half_life : {0.0, 2.0}) {
    ClickStats stats(half_life);
    std::mt19937 rng(5);
    // "halo war" and "forza motorsport" were never clicked from: they
    // borrow "halo wars"'s and "forza motorsport 4"'s clicks.
    const char* queries[] = {"halo",   "halo wars", "forza motorsport 4", "",
                             "kinect", "halo war",  "forza motorsport"};
    for (int k = 0; k < 300; ++k) {
      const std::string item = "item-" + std::to_string(rng() % 40);
      stats.addClick(queries[rng() % 4], item, static_cast<int64_t>(k) * kDay / 10);
    }
    ClickStats empty(half_life);
    for (const ClickStats* s : {&stats, &empty}) {
      for (const char* q : queries) {
        const auto priors = s->forQuery(q);
        // The batch form too (prefetching ahead), over a window longer and
        // one shorter than its prefetch distance.
        std::vector<std::string> ids;
        for (int i = 0; i < 45; ++i) ids.push_back("item-" + std::to_string(i));
        const std::vector<std::string_view> views(ids.begin(), ids.end());
        std::vector<ClickStats::Priors> batch(views.size()), few(3);
        priors.of(views, batch);
        priors.of(std::span(views).first(3), few);
        for (int i = 0; i < 45; ++i) {  // some never clicked
          const std::string& item = ids[static_cast<std::size_t>(i)];
          INFO("half-life " << half_life << ", query '" << q << "', " << item);
          const auto p = priors.of(item);
          CHECK(p.click_prior == s->clickPrior(q, item));
          CHECK(p.token_prior == s->tokenPrior(q, item));
          CHECK(p.popularity == s->popularity(item));
          CHECK(p.similar_prior == s->similarPrior(q, item));
          const auto& b = batch[static_cast<std::size_t>(i)];
          CHECK(b.click_prior == p.click_prior);
          CHECK(b.token_prior == p.token_prior);
          CHECK(b.popularity == p.popularity);
          CHECK(b.similar_prior == p.similar_prior);
          if (i < 3) CHECK(few[static_cast<std::size_t>(i)].token_prior == p.token_prior);
        }
      }
    }
  }
}

namespace {

struct Window {
  Matrix candidates, history;
  Vector query, weights, session;
  std::vector<CandidateStats> stats;
  WindowInput input() const {
    return {.candidates = MatrixMap(candidates.data(), candidates.rows(), candidates.cols()),
            .query = VectorMap(query.data(), query.size()),
            .history = MatrixMap(history.data(), history.rows(), history.cols()),
            .history_weight = VectorMap(weights.data(), weights.size()),
            .session_weight = VectorMap(session.data(), session.size()),
            .stats = stats};
  }
};

Window randomWindow(int m, int n, int d, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal;
  Window w;
  w.candidates = Matrix(m, d);
  w.history = Matrix(n, d);
  for (Eigen::Index i = 0; i < w.candidates.size(); ++i) w.candidates.data()[i] = normal(rng);
  for (Eigen::Index i = 0; i < w.history.size(); ++i) w.history.data()[i] = normal(rng);
  w.query = Vector(d);
  for (int i = 0; i < d; ++i) w.query[i] = normal(rng);
  w.weights = Vector::Constant(n, 1.0f);
  w.session = Vector::Zero(n);
  if (n > 0) w.session[n - 1] = 1.0f;
  for (int c = 0; c < m; ++c) {
    w.stats.push_back({.engine_score = 20.0f - static_cast<float>(c) * 0.1f,
                       .engine_rank = c,
                       .click_prior = 0.01f * static_cast<float>(c % 7),
                       .popularity = 0.5f,
                       .item_known = true});
  }
  return w;
}

}  // namespace

TEST_CASE("scoring a window in one batch equals scoring each candidate alone",
          "[unit][scoring]") {
  Model model = rr::testing::tinyModel();
  WindowScorer scorer(model.params().mlp);
  Window w = randomWindow(9, 4, model.dim(), 21);
  // Equal engine scores: "score / window max" is then 1 in any window.
  for (auto& st : w.stats) st.engine_score = 5.0f;
  std::vector<float> batch(9);
  scorer.score(w.input(), batch);
  for (int c = 0; c < 9; ++c) {
    Window one = w;
    one.candidates = w.candidates.row(c);
    one.stats = {w.stats[static_cast<std::size_t>(c)]};
    std::vector<float> single(1);
    WindowScorer fresh(model.params().mlp);
    fresh.score(one.input(), single);
    CHECK(single[0] == Approx(batch[static_cast<std::size_t>(c)]).epsilon(1e-5));
  }
  // Scores do not depend on the order of candidates.
  Window reversed = w;
  reversed.candidates = w.candidates.colwise().reverse();
  std::reverse(reversed.stats.begin(), reversed.stats.end());
  std::vector<float> rev(9);
  scorer.score(reversed.input(), rev);
  for (int c = 0; c < 9; ++c) CHECK(rev[static_cast<std::size_t>(8 - c)] == Approx(batch[static_cast<std::size_t>(c)]).epsilon(1e-5));
}

TEST_CASE("a shopper with no history gets zero user features", "[unit][scoring]") {
  Model model = rr::testing::tinyModel();
  WindowScorer scorer(model.params().mlp);
  Window w = randomWindow(5, 0, model.dim(), 4);
  std::vector<float> scores(5);
  scorer.score(w.input(), scores);
  auto x = scorer.features(5);
  for (int f : {kUserAttention, kUserLongTerm, kUserSession, kMaxHistorySim, kHasHistory}) {
    CHECK(x.col(f).cwiseAbs().maxCoeff() == 0.0f);
  }
  CHECK(x(0, kEngineScore) == Approx(1.0f));
  CHECK(x(0, kRankRecip) == Approx(1.0f));
  CHECK(x(1, kRankRecip) == Approx(0.5f));
  for (float s : scores) CHECK(std::isfinite(s));
}

TEST_CASE("attention pools history toward the items most like the candidate",
          "[unit][scoring]") {
  Model model = rr::testing::tinyModel();
  WindowScorer scorer(model.params().mlp);
  Window w = randomWindow(1, 3, model.dim(), 8);
  w.history.row(0) = w.candidates.row(0) * 3.0f;  // very similar
  w.history.row(1) = -w.candidates.row(0);         // opposite
  std::vector<float> s(1);
  scorer.score(w.input(), s);
  auto x = scorer.features(1);
  const float to_similar = w.history.row(0).dot(w.candidates.row(0));
  CHECK(x(0, kMaxHistorySim) == Approx(to_similar));
  // Attention leans to the similar item, so it beats the plain mean.
  CHECK(x(0, kUserAttention) > x(0, kUserLongTerm));
}

TEST_CASE("affinities are the weighted shares of the history with the candidate's brand, "
          "category and price band",
          "[unit][scoring]") {
  Model model = rr::testing::tinyModel();
  WindowScorer scorer(model.params().mlp);
  Window w = randomWindow(3, 3, model.dim(), 5);
  w.weights << 1.0f, 2.0f, 5.0f;
  const std::vector<ItemKeys> history = {{.brand = 1, .category = 4, .price = 2},
                                         {.brand = 1, .category = 5, .price = -1},
                                         {.brand = 2, .category = 4, .price = 2}};
  const std::vector<ItemKeys> candidates = {{.brand = 1, .category = 4, .price = 2},
                                            {.brand = 3, .category = 5, .price = 7},
                                            {.brand = -1, .category = -1, .price = -1}};
  WindowInput in = w.input();
  in.candidate_keys = candidates;
  in.history_keys = history;
  std::vector<float> s(3);
  scorer.score(in, s);
  auto x = scorer.features(3);
  CHECK(x(0, kBrandAffinity) == Approx(3.0f / 8.0f));
  CHECK(x(0, kCategoryAffinity) == Approx(6.0f / 8.0f));
  CHECK(x(0, kPriceAffinity) == Approx(6.0f / 8.0f));
  CHECK(x(1, kBrandAffinity) == 0.0f);
  CHECK(x(1, kCategoryAffinity) == Approx(2.0f / 8.0f));
  CHECK(x(1, kPriceAffinity) == 0.0f);
  // "No brand" never matches, not even another item without one.
  for (int f : {kBrandAffinity, kCategoryAffinity, kPriceAffinity}) CHECK(x(2, f) == 0.0f);

  // Without history (or without keys) the features are 0.
  Window none = randomWindow(3, 0, model.dim(), 5);
  WindowInput anonymous = none.input();
  anonymous.candidate_keys = candidates;
  scorer.score(anonymous, s);
  CHECK(scorer.features(3).col(kBrandAffinity).cwiseAbs().maxCoeff() == 0.0f);
  scorer.score(w.input(), s);
  CHECK(scorer.features(3).col(kCategoryAffinity).cwiseAbs().maxCoeff() == 0.0f);
}

TEST_CASE("the ranker reads the next-item feature only for a shopper with history",
          "[unit][scoring]") {
  Model model = rr::testing::tinyModel();
  WindowScorer scorer(model.params().mlp);
  const std::vector<float> next{0.7f, 0.0f, 1.5f};
  std::vector<float> s(3);

  Window w = randomWindow(3, 2, model.dim(), 5);
  WindowInput in = w.input();
  in.next_item = next;
  scorer.score(in, s);
  CHECK(scorer.features(3)(0, kNextItem) == 0.7f);
  CHECK(scorer.features(3)(1, kNextItem) == 0.0f);
  CHECK(scorer.features(3)(2, kNextItem) == 1.5f);
  std::vector<float> contrib(kFeatureCount);
  scorer.contributions(2, contrib);
  CHECK(contrib[kNextItem] != 0.0f);

  // Not given: 0.
  scorer.score(w.input(), s);
  CHECK(scorer.features(3).col(kNextItem).cwiseAbs().maxCoeff() == 0.0f);
  // Given, but the shopper has no history (an anonymous search): 0.
  Window none = randomWindow(3, 0, model.dim(), 5);
  WindowInput anonymous = none.input();
  anonymous.next_item = next;
  scorer.score(anonymous, s);
  CHECK(scorer.features(3).col(kNextItem).cwiseAbs().maxCoeff() == 0.0f);
}

TEST_CASE("explain gives one contribution per feature, zero for absent features",
          "[unit][scoring]") {
  Model model = rr::testing::tinyModel();
  WindowScorer scorer(model.params().mlp);
  Window w = randomWindow(4, 0, model.dim(), 2);
  std::vector<float> s(4);
  scorer.score(w.input(), s);
  std::vector<float> contrib(kFeatureCount);
  scorer.contributions(1, contrib);
  CHECK(contrib[kUserAttention] == 0.0f);
  CHECK(contrib[kHasHistory] == 0.0f);
  CHECK(std::ranges::any_of(contrib, [](float c) { return c != 0.0f; }));
}

TEST_CASE("training learns a query-item match and is deterministic for a seed",
          "[unit][scoring]") {
  // Candidate k carries title token k; the query names the target's token.
  // A model that cannot learn q.v cannot beat 1/window accuracy here.
  auto make = [](const Model& model) {
    std::vector<TrainingExample> data;
    std::mt19937_64 rng(9);
    for (int i = 0; i < 300; ++i) {
      TrainingExample ex;
      for (int c = 0; c < 8; ++c) {
        ItemInput item;
        item.title_tokens = {static_cast<uint32_t>((i * 8 + c) % 40)};
        ex.candidates.push_back(item);
        ex.stats.push_back({.engine_score = 1.0f, .engine_rank = c});
      }
      ex.target = static_cast<int>(rng() % 8);
      ex.query_tokens = ex.candidates[static_cast<std::size_t>(ex.target)].title_tokens;
      data.push_back(ex);
    }
    (void)model;
    return data;
  };
  auto run = [&](uint64_t seed) {
    Model model = rr::testing::tinyModel(seed);
    Trainer trainer(model, {.learning_rate = 0.05f, .seed = seed});
    auto data = make(model);
    float first = trainer.trainEpoch(data);
    float last = first;
    for (int e = 0; e < 8; ++e) last = trainer.trainEpoch(data);
    int correct = 0;
    std::vector<float> s;
    for (const auto& ex : data) {
      trainer.score(ex, s);
      correct += std::max_element(s.begin(), s.end()) - s.begin() == ex.target;
    }
    return std::tuple{first, last, correct, model.params().mlp.w1};
  };
  auto [first, last, correct, w1] = run(4);
  CHECK(last < first * 0.5f);
  CHECK(correct > 250);  // of 300; chance is ~38
  auto [first2, last2, correct2, w1b] = run(4);
  CHECK(last2 == last);
  CHECK(w1b == w1);
}

TEST_CASE("history and prior dropout train on the anonymous, prior-less version of a list",
          "[unit][scoring]") {
  std::mt19937_64 rng(17);
  Model probe = rr::testing::tinyModel(2);
  std::vector<TrainingExample> data;
  for (int i = 0; i < 40; ++i) data.push_back(rr::testing::randomExample(rng, probe, 6, 4));
  std::vector<TrainingExample> stripped = data;
  for (auto& ex : stripped) {
    ex.clearHistory();
    for (auto& s : ex.stats) s.click_prior = s.token_prior = s.similar_prior = 0;
  }
  // One epoch: the shuffle is drawn before any dropout draw, so a dropout
  // that (all but) always fires must equal training on the stripped lists.
  auto w1After = [](const std::vector<TrainingExample>& examples, float dropout) {
    Model model = rr::testing::tinyModel(2);
    Trainer trainer(model, {.seed = 3, .prior_dropout = dropout, .history_dropout = dropout});
    trainer.trainEpoch(examples);
    return Matrix(model.params().mlp.w1);
  };
  const Matrix stripped_w1 = w1After(stripped, 0.0f);
  CHECK(w1After(data, 0.9999999f) == stripped_w1);
  CHECK(w1After(data, 0.0f) != stripped_w1);
  // Half the time: neither, and still deterministic for a seed.
  const Matrix half = w1After(data, 0.5f);
  CHECK(half != stripped_w1);
  CHECK(half != w1After(data, 0.0f));
  CHECK(half == w1After(data, 0.5f));
}

TEST_CASE("the epoch average is the element-wise mean of the last N snapshots",
          "[unit][scoring]") {
  Model a = rr::testing::tinyModel(1), b = rr::testing::tinyModel(2),
        c = rr::testing::tinyModel(3);
  ParamAverage average(2);
  average.add(a.params());
  Model out = rr::testing::tinyModel(4);
  average.meanInto(out.params());
  // One snapshot: itself.
  CHECK(out.params().item_tokens == a.params().item_tokens);
  CHECK(out.params().mlp.b3 == a.params().mlp.b3);
  average.add(b.params());
  average.add(c.params());  // a falls out of the window of 2
  CHECK(average.size() == 2);
  average.meanInto(out.params());
  const auto& pb = b.params();
  const auto& pc = c.params();
  CHECK(out.params().item_tokens.isApprox((pb.item_tokens + pc.item_tokens) * 0.5f));
  CHECK(out.params().query_tokens.isApprox((pb.query_tokens + pc.query_tokens) * 0.5f));
  CHECK(out.params().brands.isApprox((pb.brands + pc.brands) * 0.5f));
  CHECK(out.params().categories.isApprox((pb.categories + pc.categories) * 0.5f));
  CHECK(out.params().prices.isApprox((pb.prices + pc.prices) * 0.5f));
  CHECK(out.params().ids.isApprox((pb.ids + pc.ids) * 0.5f));
  CHECK(out.params().mlp.w1.isApprox((pb.mlp.w1 + pc.mlp.w1) * 0.5f));
  CHECK(out.params().mlp.w2.isApprox((pb.mlp.w2 + pc.mlp.w2) * 0.5f));
  CHECK(out.params().mlp.b1.isApprox((pb.mlp.b1 + pc.mlp.b1) * 0.5f));
  CHECK(out.params().mlp.b2.isApprox((pb.mlp.b2 + pc.mlp.b2) * 0.5f));
  CHECK(out.params().mlp.w3.isApprox((pb.mlp.w3 + pc.mlp.w3) * 0.5f));
  CHECK(out.params().mlp.b3 == Approx((pb.mlp.b3 + pc.mlp.b3) * 0.5f));
  CHECK_FALSE(out.params().item_tokens.isApprox((a.params().item_tokens + pc.item_tokens) * 0.5f));
}

TEST_CASE("a learning rate of zero set between epochs leaves the parameters as they were",
          "[unit][scoring]") {
  std::mt19937_64 rng(5);
  Model model = rr::testing::tinyModel(2);
  std::vector<TrainingExample> data;
  for (int i = 0; i < 20; ++i) data.push_back(rr::testing::randomExample(rng, model, 6, 3));
  Trainer trainer(model, {.seed = 3});
  trainer.trainEpoch(data);
  const Params after_one = model.params();
  trainer.setLearningRate(0.0f);
  trainer.trainEpoch(data);
  CHECK(model.params().mlp.w1 == after_one.mlp.w1);
  CHECK(model.params().item_tokens == after_one.item_tokens);
  trainer.setLearningRate(0.01f);
  trainer.trainEpoch(data);
  CHECK(model.params().mlp.w1 != after_one.mlp.w1);
}

TEST_CASE("table decay shrinks the embedding rows a batch touched and no other",
          "[unit][scoring]") {
  std::mt19937_64 rng(11);
  Model probe = rr::testing::tinyModel(2);
  // Brands 0..3 only: rows 4..7 of the brand table are never touched.
  std::vector<TrainingExample> data;
  for (int i = 0; i < 30; ++i) {
    auto ex = rr::testing::randomExample(rng, probe, 5, 2);
    for (auto& c : ex.candidates) c.brand %= 4;
    for (auto& h : ex.history) h.brand %= 4;
    data.push_back(std::move(ex));
  }
  auto brandsAfter = [&](float decay) {
    Model model = rr::testing::tinyModel(2);
    Trainer trainer(model, {.learning_rate = 0.05f, .seed = 3, .table_decay = decay});
    for (int e = 0; e < 3; ++e) trainer.trainEpoch(data);
    return Matrix(model.params().brands);
  };
  const Matrix plain = brandsAfter(0.0f);
  const Matrix decayed = brandsAfter(5.0f);
  const Matrix initial = rr::testing::tinyModel(2).params().brands;
  CHECK(decayed.bottomRows(4) == initial.bottomRows(4));
  CHECK(plain.bottomRows(4) == initial.bottomRows(4));
  CHECK(decayed.topRows(4).squaredNorm() < 0.5 * plain.topRows(4).squaredNorm());
}
