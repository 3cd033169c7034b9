// Finite-difference checks of every gradient the trainer computes: the MLP
// layers, the attention / long-term / session / max-similarity pooling, the
// query encoder and each embedding table.
#include <catch2/catch.hpp>

#include <cmath>

#include "scoring/example_scorer.h"
#include "tests/scoring/example_factory.h"

using namespace rr::scoring;

namespace {

// Small enough that few ReLUs of a 6-candidate window cross their kink
// within +-eps (a partial crossing escapes the kink test below), large
// enough for float32 losses.
constexpr float kEps = 5e-4f;

bool close(double analytic, double numeric) {
  return std::abs(analytic - numeric) <= 2e-3 + 3e-2 * std::max(std::abs(analytic), std::abs(numeric));
}

// Numeric d loss / d p for one parameter; NaN when p sits on a kink (a
// ReLU or the max-similarity switching inside +-eps), where the one-sided
// slopes disagree and no derivative exists to compare with.
double numeric(Trainer& trainer, const TrainingExample& ex, float& p) {
  const float saved = p;
  const double mid = trainer.loss(ex);
  p = saved + kEps;
  const double up = trainer.loss(ex);
  p = saved - kEps;
  const double down = trainer.loss(ex);
  p = saved;
  const double right = (up - mid) / kEps, left = (mid - down) / kEps;
  if (std::abs(right - left) > 1e-3 + 0.3 * std::max(std::abs(right), std::abs(left))) {
    return std::nan("");
  }
  return (up - down) / (2.0 * kEps);
}

int g_kinks = 0;

bool matches(double analytic, double num) {
  if (std::isnan(num)) {
    ++g_kinks;
    return true;
  }
  return close(analytic, num);
}

struct Fixture {
  Model model = rr::testing::tinyModel();
  Trainer trainer{model, {}};
  std::mt19937_64 rng{11};
  TrainingExample example;
  Gradients grads{model};

  explicit Fixture(int history) {
    example = rr::testing::randomExample(rng, model, 6, history);
    grads.clear();
    trainer.accumulate(example, grads);
  }
};

}  // namespace

TEST_CASE("every embedding table's gradient matches finite differences", "[unit][scoring]") {
  for (int history : {0, 4}) {
    Fixture f(history);
    int checked = 0;
    for (int t = 0; t < 6; ++t) {
      Matrix& table = f.trainer.table(static_cast<Trainer::Table>(t));
      for (const auto& [row, g] : f.grads.rows[t]) {
        for (int k = 0; k < table.cols(); ++k) {
          double num = numeric(f.trainer, f.example, table(row, k));
          INFO("history " << history << " table " << t << " row " << row << " dim " << k);
          CHECK(matches(g[k], num));
          ++checked;
        }
      }
    }
    CHECK(checked > 100);
  }
}

TEST_CASE("every MLP parameter's gradient matches finite differences", "[unit][scoring]") {
  Fixture f(5);
  // Every feature column must be live, or its w1 row would be checked at 0.
  ExampleScorer probe(f.model);
  std::vector<float> s;
  probe.score(f.example, s);
  const auto x = probe.windowScorer().features(static_cast<Eigen::Index>(s.size()));
  for (int feature = 0; feature < kFeatureCount; ++feature) {
    INFO("feature " << kFeatureNames[static_cast<std::size_t>(feature)]);
    CHECK(x.col(feature).cwiseAbs().maxCoeff() > 0.0f);
  }
  Mlp& mlp = f.model.params().mlp;
  for (Eigen::Index i = 0; i < mlp.w1.size(); ++i) {
    INFO("w1[" << i << "]: analytic " << f.grads.mlp.w1.data()[i]);
    CHECK(matches(f.grads.mlp.w1.data()[i], numeric(f.trainer, f.example, mlp.w1.data()[i])));
  }
  for (Eigen::Index i = 0; i < mlp.w2.size(); ++i) {
    INFO("w2[" << i << "]");
    CHECK(matches(f.grads.mlp.w2.data()[i], numeric(f.trainer, f.example, mlp.w2.data()[i])));
  }
  for (Eigen::Index i = 0; i < mlp.b1.size(); ++i) {
    CHECK(matches(f.grads.mlp.b1[i], numeric(f.trainer, f.example, mlp.b1[i])));
  }
  for (Eigen::Index i = 0; i < mlp.b2.size(); ++i) {
    CHECK(matches(f.grads.mlp.b2[i], numeric(f.trainer, f.example, mlp.b2[i])));
  }
  for (Eigen::Index i = 0; i < mlp.w3.size(); ++i) {
    CHECK(matches(f.grads.mlp.w3[i], numeric(f.trainer, f.example, mlp.w3[i])));
  }
  CHECK(matches(f.grads.mlp.b3, numeric(f.trainer, f.example, mlp.b3)));
}

TEST_CASE("history items receive gradient through the user tower", "[unit][scoring]") {
  // Guards the checks above against passing because history had no effect:
  // only history items have ID rows here, so any ID gradient came through
  // the attention, long-term, session or max-similarity features.
  Model model = rr::testing::tinyModel();
  Trainer trainer(model, {});
  std::mt19937_64 rng(5);
  TrainingExample ex = rr::testing::randomExample(rng, model, 6, 3);
  for (auto& c : ex.candidates) c.id = -1;
  for (std::size_t j = 0; j < ex.history.size(); ++j) ex.history[j].id = 13 + static_cast<int64_t>(j);
  Gradients grads(model);
  trainer.accumulate(ex, grads);
  const auto& ids = grads.rows[Trainer::kIds];
  REQUIRE(ids.size() == 3);
  for (const auto& [row, g] : ids) {
    CHECK(row >= 13);
    CHECK(g.norm() > 1e-6f);
  }
}

TEST_CASE("an example's weight scales its loss and every gradient it accumulates",
          "[unit][scoring]") {
  Model model = rr::testing::tinyModel();
  Trainer trainer(model, {});
  std::mt19937_64 rng(17);
  TrainingExample ex = rr::testing::randomExample(rng, model, 6, 4);
  Gradients once(model), twice(model);
  once.clear();
  twice.clear();
  REQUIRE(ex.weight == 1.0f);
  const float loss = trainer.accumulate(ex, once);
  ex.weight = 2.0f;
  const float weighted = trainer.accumulate(ex, twice);
  REQUIRE(loss > 0.0f);
  CHECK(weighted == Approx(2.0f * loss).epsilon(1e-5));

  auto doubled = [](const auto& g1, const auto& g2) {
    const float scale = 1.0f + 2.0f * g1.cwiseAbs().maxCoeff();
    return (g2 - 2.0f * g1).cwiseAbs().maxCoeff() <= 1e-5f * scale;
  };
  CHECK(once.mlp.w1.cwiseAbs().maxCoeff() > 0.0f);
  CHECK(doubled(once.mlp.w1, twice.mlp.w1));
  CHECK(doubled(once.mlp.w2, twice.mlp.w2));
  CHECK(doubled(once.mlp.w3, twice.mlp.w3));
  CHECK(twice.mlp.b3 == Approx(2.0f * once.mlp.b3).margin(1e-6));
  int rows = 0;
  for (int t = 0; t < 6; ++t) {
    INFO("table " << t);
    REQUIRE(once.rows[t].size() == twice.rows[t].size());
    for (const auto& [row, g] : once.rows[t]) {
      INFO("row " << row);
      REQUIRE(twice.rows[t].count(row) == 1);
      CHECK(doubled(g, twice.rows[t].at(row)));
      rows += g.norm() > 0.0f;
    }
  }
  CHECK(rows > 10);
}
