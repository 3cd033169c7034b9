// Ranking metrics against hand-computed cases.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "scoring/metrics.h"

using namespace rr::scoring;

TEST_CASE("NDCG, MRR and recall match hand-computed values", "[unit][scoring]") {
  CHECK(ndcgAt(10, 0) == Approx(1.0));
  CHECK(ndcgAt(10, 1) == Approx(1.0 / std::log2(3.0)));
  CHECK(ndcgAt(10, 9) == Approx(1.0 / std::log2(11.0)));
  CHECK(ndcgAt(10, 10) == 0.0);
  CHECK(ndcgAt(10, -1) == 0.0);
  CHECK(mrrAt(10, 0) == 1.0);
  CHECK(mrrAt(10, 3) == Approx(0.25));
  CHECK(mrrAt(3, 3) == 0.0);
  CHECK(recallAt(100, 99) == 1.0);
  CHECK(recallAt(100, 100) == 0.0);
  // A query set: ranks 0, 1, missing -> mean NDCG = (1 + 0.6309 + 0) / 3
  std::vector<double> v = {ndcgAt(10, 0), ndcgAt(10, 1), ndcgAt(10, -1)};
  CHECK(bootstrapMean(v).mean == Approx((1.0 + 1.0 / std::log2(3.0)) / 3.0));
}

TEST_CASE("bootstrap intervals bracket the mean and shrink with more data",
          "[unit][scoring]") {
  std::vector<double> small, large;
  for (int i = 0; i < 50; ++i) small.push_back(i % 2);
  for (int i = 0; i < 5000; ++i) large.push_back(i % 2);
  Interval a = bootstrapMean(small, 500, 7);
  Interval b = bootstrapMean(large, 500, 7);
  CHECK(a.mean == Approx(0.5));
  CHECK(a.low < 0.5);
  CHECK(a.high > 0.5);
  CHECK((b.high - b.low) < (a.high - a.low) / 5);
  CHECK(bootstrapMean(small, 500, 7).low == a.low);  // deterministic for a seed
}

TEST_CASE("a paired difference interval excludes zero only for a real gap",
          "[unit][scoring]") {
  std::vector<double> base, better, same;
  for (int i = 0; i < 400; ++i) {
    base.push_back((i % 3) == 0 ? 1.0 : 0.0);
    better.push_back((i % 3) != 2 ? 1.0 : 0.0);
    same.push_back(base.back());
  }
  Interval gap = bootstrapDifference(better, base, 500, 3);
  CHECK(gap.low > 0.0);
  Interval none = bootstrapDifference(same, base, 500, 3);
  CHECK(none.low == 0.0);
  CHECK(none.high == 0.0);
}
