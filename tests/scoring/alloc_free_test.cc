// The hot path allocates nothing: after one warm-up window, scoring windows
// of that size or smaller makes no heap allocation.
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>

#include "scoring/window_scorer.h"
#include "tests/scoring/example_factory.h"

// Every heap allocation in this program goes through these: operator new
// and Eigen's aligned allocator both end in malloc. (Not built under ASan,
// which owns malloc itself.)
namespace {
std::atomic<long> g_allocations{0};
}

extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* __libc_memalign(std::size_t, std::size_t);

void* malloc(std::size_t n) {
  ++g_allocations;
  return __libc_malloc(n);
}
void* calloc(std::size_t n, std::size_t size) {
  ++g_allocations;
  return __libc_calloc(n, size);
}
void* realloc(void* p, std::size_t n) {
  ++g_allocations;
  return __libc_realloc(p, n);
}
void* aligned_alloc(std::size_t alignment, std::size_t n) {
  ++g_allocations;
  return __libc_memalign(alignment, n);
}
int posix_memalign(void** out, std::size_t alignment, std::size_t n) {
  ++g_allocations;
  *out = __libc_memalign(alignment, n);
  return *out ? 0 : 12;  // ENOMEM
}
}

using namespace rr::scoring;

TEST_CASE("scoring a window allocates nothing once warmed up", "[unit][scoring]") {
  Model model = rr::testing::tinyModel();
  const int d = model.dim();
  std::mt19937_64 rng(1);
  std::normal_distribution<float> normal;
  Matrix candidates(200, d), history(20, d);
  for (Eigen::Index i = 0; i < candidates.size(); ++i) candidates.data()[i] = normal(rng);
  for (Eigen::Index i = 0; i < history.size(); ++i) history.data()[i] = normal(rng);
  Vector query = Vector::Constant(d, 0.3f);
  Vector weights = Vector::Constant(20, 1.0f);
  Vector session = Vector::Constant(20, 0.5f);
  std::vector<CandidateStats> stats(200);
  std::vector<float> scores(200);
  std::vector<ItemKeys> candidate_keys(200), history_keys(20);
  for (std::size_t i = 0; i < candidate_keys.size(); ++i) {
    candidate_keys[i] = {.brand = static_cast<int64_t>(i % 5), .category = 1, .price = -1};
  }
  for (std::size_t j = 0; j < history_keys.size(); ++j) {
    history_keys[j] = {.brand = static_cast<int64_t>(j % 3), .category = 1, .price = 2};
  }
  WindowScorer scorer(model.params().mlp);
  auto window = [&](Eigen::Index m, Eigen::Index n) {
    return WindowInput{.candidates = MatrixMap(candidates.data(), m, d),
                       .query = VectorMap(query.data(), d),
                       .history = MatrixMap(history.data(), n, d),
                       .history_weight = VectorMap(weights.data(), n),
                       .session_weight = VectorMap(session.data(), n),
                       .stats = std::span(stats).first(static_cast<std::size_t>(m)),
                       .candidate_keys =
                           std::span(candidate_keys).first(static_cast<std::size_t>(m)),
                       .history_keys = std::span(history_keys).first(static_cast<std::size_t>(n))};
  };
  scorer.score(window(200, 20), scores);  // warm-up at the largest size
  const long before = g_allocations.load();
  for (int rep = 0; rep < 10; ++rep) {
    scorer.score(window(200, 20), scores);
    scorer.score(window(120, 7), scores);
    scorer.score(window(50, 0), scores);
  }
  CHECK(g_allocations.load() - before == 0);
}
