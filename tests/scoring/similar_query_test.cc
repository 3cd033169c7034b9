// ClickStats' similar-query prior: a query never clicked from borrows the
// clicks of the logged query with the most character trigrams in common.
#include <catch2/catch.hpp>

#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "scoring/click_stats.h"

using rr::scoring::ClickStats;

namespace {

// Character trigrams as the feature defines them, written out plainly:
// spaces dropped, the two ends marked.
std::set<std::string> trigrams(const std::string& q) {
  std::string s = "<";
  for (char c : q) {
    if (c != ' ') s += c;
  }
  s += ">";
  std::set<std::string> out;
  for (std::size_t i = 0; i + 3 <= s.size(); ++i) out.insert(s.substr(i, 3));
  return out;
}

// Every logged query's Jaccard overlap with q, the largest >= 0.5 kept,
// the first logged on ties.
std::optional<std::string> bruteForce(const std::vector<std::string>& logged,
                                      const std::string& q) {
  const auto a = trigrams(q);
  double best = 0.5;
  std::optional<std::string> found;
  for (const std::string& l : logged) {
    if (l == q) continue;
    const auto b = trigrams(l);
    std::size_t common = 0;
    for (const auto& g : a) common += b.count(g);
    const double j = a.empty() ? 0.0
                               : static_cast<double>(common) /
                                     static_cast<double>(a.size() + b.size() - common);
    if (found ? j > best : j >= best) {
      best = j;
      found = l;
    }
  }
  return found;
}

}  // namespace

TEST_CASE("a query never clicked from borrows the clicks of the most similar logged query",
          "[unit][scoring]") {
  ClickStats stats;
  for (int i = 0; i < 4; ++i) stats.addClick("halo 3", "H3");
  stats.addClick("halo 3", "H2");
  stats.addClick("halo wars", "HW");
  stats.addClick("forza 4", "F4");
  stats.addClick("", "C");  // no query: nothing to borrow from

  // Spaces do not count: "halo3" has all of "halo 3"'s trigrams.
  REQUIRE(stats.similarQuery("halo3"));
  CHECK(*stats.similarQuery("halo3") == "halo 3");
  // "halo war" (7 trigrams) and "halo wars" (8) share 6: 6 / 9.
  REQUIRE(stats.similarQuery("halo war"));
  CHECK(*stats.similarQuery("halo war") == "halo wars");
  // Exactly half is enough ("halo" and "halo 3": 3 / 6); under half is
  // not ("forza horizon" and "forza 4": 4 / 14), nor nothing in common.
  REQUIRE(stats.similarQuery("halo"));
  CHECK(*stats.similarQuery("halo") == "halo 3");
  CHECK_FALSE(stats.similarQuery("forza horizon"));
  CHECK_FALSE(stats.similarQuery("kinect"));
  CHECK_FALSE(stats.similarQuery(""));
  // A logged query is not its own similar query.
  CHECK_FALSE(stats.similarQuery("forza 4"));

  // similarPrior: the borrowed query's click prior, share pulled in as in
  // clickPrior (share(H3) = 4/8; "halo 3" has 5 clicks, 4 on H3).
  CHECK(stats.similarPrior("halo3", "H3") == Approx((4 + 3 * 0.5) / (5 + 3.0)));
  CHECK(stats.similarPrior("halo3", "H3") == stats.clickPrior("halo 3", "H3"));
  CHECK(stats.clickPrior("halo3", "H3") == Approx(0.5));  // the exact query knows nothing
  // A query with clicks of its own borrows nothing (click_prior has its
  // clicks): the item's overall share, HW 2 of 9 clicks, H3 4 of 9.
  stats.addClick("halo3", "HW");
  CHECK(stats.similarPrior("halo3", "HW") == Approx(2.0 / 9.0));
  CHECK(stats.similarPrior("halo3", "H3") == Approx(4.0 / 9.0));
  CHECK(stats.clickPrior("halo3", "HW") > stats.similarPrior("halo3", "HW"));
  // No similar query: the item's overall share too.
  CHECK(stats.similarPrior("kinect", "F4") == Approx(1.0 / 9.0));
  CHECK(stats.similarPrior("kinect", "F4") == stats.clickPrior("kinect", "F4"));
}

TEST_CASE("equally similar queries: the one logged first is borrowed", "[unit][scoring]") {
  ClickStats stats;
  stats.addClick("abcdx", "first");
  stats.addClick("abcdy", "second");
  // "abcd" shares 3 of 5 trigrams with each: 3 / (4 + 5 - 3) = 0.5.
  REQUIRE(stats.similarQuery("abcd"));
  CHECK(*stats.similarQuery("abcd") == "abcdx");
  ClickStats reversed;
  reversed.addClick("abcdy", "second");
  reversed.addClick("abcdx", "first");
  CHECK(*reversed.similarQuery("abcd") == "abcdy");
  // Restored from its tables (as from a model file), the same answers.
  ClickStats restored;
  restored.restore(stats.tables());
  CHECK(*restored.similarQuery("abcd") == "abcdx");
  CHECK(restored.similarPrior("abcd", "first") == stats.similarPrior("abcd", "first"));
}

TEST_CASE("the similar query is the one a search of every logged query finds",
          "[unit][scoring]") {
  // Short queries over a small alphabet: many near ties, many shared
  // trigrams, so the candidate pruning is put to the test.
  std::mt19937 rng(23);
  const std::string letters = "abcde ";
  auto randomQuery = [&] {
    std::string q;
    const int n = 2 + static_cast<int>(rng() % 7);
    for (int i = 0; i < n; ++i) q += letters[rng() % letters.size()];
    return q;
  };
  ClickStats stats;
  std::vector<std::string> logged;
  std::set<std::string> seen;
  for (int i = 0; i < 400; ++i) {
    const std::string q = randomQuery();
    stats.addClick(q, "item");
    if (seen.insert(q).second) logged.push_back(q);
  }
  REQUIRE(stats.tables().query_texts == logged);
  int found = 0;
  for (int i = 0; i < 600; ++i) {
    const std::string q = i % 3 == 0 ? logged[rng() % logged.size()] : randomQuery();
    INFO("query '" << q << "'");
    const auto want = bruteForce(logged, q);
    const auto got = stats.similarQuery(q);
    REQUIRE(got.has_value() == want.has_value());
    if (got) {
      CHECK(std::string(*got) == *want);
      ++found;
    }
  }
  CHECK(found > 200);  // the comparison was not all "none"
}
