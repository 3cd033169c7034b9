// The ranker's multilayer perceptron: features -> hidden (ReLU) -> hidden
// (ReLU) -> one score, evaluated for a whole window at once.
#pragma once

#include <random>

#include "scoring/tensor.h"

namespace rr::scoring {

struct MlpGrads;

class Mlp {
 public:
  Mlp() = default;
  Mlp(int inputs, int hidden1, int hidden2, std::mt19937_64& rng);

  int inputs() const { return static_cast<int>(w1.rows()); }

  // Activations kept for backward and for explain. Reused across calls:
  // after the first window of a given size, forward() does not allocate.
  struct Cache {
    Matrix z1, a1, z2, a2;
  };

  // x: m x inputs -> scores (size m).
  void forward(const Eigen::Ref<const Matrix>& x, Cache& cache,
               Eigen::Ref<Vector> scores) const;

  // Given dL/dscores, accumulates parameter gradients into `grads` and
  // writes dL/dx into `dx` (m x inputs).
  void backward(const Eigen::Ref<const Matrix>& x, const Cache& cache,
                const Eigen::Ref<const Vector>& dscores, MlpGrads& grads,
                Eigen::Ref<Matrix> dx) const;

  Matrix w1, w2;  // inputs x hidden1, hidden1 x hidden2
  RowVector b1, b2;
  Vector w3;      // hidden2
  float b3 = 0;
};

struct MlpGrads {
  explicit MlpGrads(const Mlp& shape);
  void setZero();
  Matrix w1, w2;
  RowVector b1, b2;
  Vector w3;
  float b3 = 0;
};

}  // namespace rr::scoring
