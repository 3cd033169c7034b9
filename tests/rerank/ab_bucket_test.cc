// A/B buckets: stable per user, close to the configured split, moved by the
// salt, absent without a split.
#include <catch2/catch.hpp>

#include "rerank/rerank_service.h"

using rr::rerank::RerankService;

TEST_CASE("buckets are stable per user and split users as configured") {
  rr::config::StorefrontConfig sf;
  sf.name = "shop";
  sf.ab_test.treatment_percent = 30;
  int treatment = 0;
  constexpr int kUsers = 20000;
  for (int i = 0; i < kUsers; ++i) {
    const std::string user = "user-" + std::to_string(i);
    const std::string b = RerankService::bucketOf(sf, user, "", "req");
    REQUIRE((b == "treatment" || b == "control"));
    CHECK(RerankService::bucketOf(sf, user, "other-session", "other-req") == b);
    treatment += b == "treatment";
  }
  // 30% of 20,000 with a binomial sd of ~65: within 6 sd.
  CHECK(treatment > 6000 - 400);
  CHECK(treatment < 6000 + 400);

  // Without a user id the session decides, then the fallback.
  CHECK(RerankService::bucketOf(sf, "", "s-1", "a") == RerankService::bucketOf(sf, "", "s-1", "b"));

  // Another salt reassigns users.
  auto salted = sf;
  salted.ab_test.salt = "spring";
  int moved = 0;
  for (int i = 0; i < 1000; ++i) {
    const std::string user = "user-" + std::to_string(i);
    moved += RerankService::bucketOf(sf, user, "", "") != RerankService::bucketOf(salted, user, "", "");
  }
  CHECK(moved > 200);  // independent splits disagree for 2 x 0.3 x 0.7 = 42%

  // 0% and 100%: everyone in control; no split at all.
  sf.ab_test.treatment_percent = 0;
  CHECK(RerankService::bucketOf(sf, "user-1", "", "") == "control");
  sf.ab_test.treatment_percent = 100;
  CHECK(RerankService::bucketOf(sf, "user-1", "", "").empty());
}
