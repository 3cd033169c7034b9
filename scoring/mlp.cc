#include "scoring/mlp.h"

#include <cmath>

namespace rr::scoring {
namespace {

Matrix heInit(int rows, int cols, std::mt19937_64& rng) {
  std::normal_distribution<float> normal(0.0f, std::sqrt(2.0f / static_cast<float>(rows)));
  Matrix m(rows, cols);
  for (int i = 0; i < rows; ++i) {
    for (int j = 0; j < cols; ++j) m(i, j) = normal(rng);
  }
  return m;
}

}  // namespace

Mlp::Mlp(int inputs, int hidden1, int hidden2, std::mt19937_64& rng)
    : w1(heInit(inputs, hidden1, rng)),
      w2(heInit(hidden1, hidden2, rng)),
      b1(RowVector::Constant(hidden1, 0.01f)),
      b2(RowVector::Constant(hidden2, 0.01f)),
      w3(heInit(hidden2, 1, rng).col(0)) {}

namespace {

// Grow-only: a window no larger than the biggest seen reuses the memory.
void reserveRows(Matrix& m, Eigen::Index rows, Eigen::Index cols) {
  if (m.rows() < rows || m.cols() != cols) m.resize(rows, cols);
}

}  // namespace

void Mlp::forward(const Eigen::Ref<const Matrix>& x, Cache& cache,
                  Eigen::Ref<Vector> scores) const {
  const auto m = x.rows();
  reserveRows(cache.z1, m, w1.cols());
  reserveRows(cache.a1, m, w1.cols());
  reserveRows(cache.z2, m, w2.cols());
  reserveRows(cache.a2, m, w2.cols());
  auto z1 = cache.z1.topRows(m);
  auto a1 = cache.a1.topRows(m);
  auto z2 = cache.z2.topRows(m);
  auto a2 = cache.a2.topRows(m);
  z1.noalias() = x * w1;
  z1.rowwise() += b1;
  a1 = z1.cwiseMax(0.0f);
  z2.noalias() = a1 * w2;
  z2.rowwise() += b2;
  a2 = z2.cwiseMax(0.0f);
  scores.noalias() = a2 * w3;
  scores.array() += b3;
}

void Mlp::backward(const Eigen::Ref<const Matrix>& x, const Cache& cache,
                   const Eigen::Ref<const Vector>& dscores, MlpGrads& grads,
                   Eigen::Ref<Matrix> dx) const {
  const auto m = x.rows();
  auto z1 = cache.z1.topRows(m);
  auto a1 = cache.a1.topRows(m);
  auto z2 = cache.z2.topRows(m);
  auto a2 = cache.a2.topRows(m);
  grads.w3.noalias() += a2.transpose() * dscores;
  grads.b3 += dscores.sum();
  Matrix dz2 = (dscores * w3.transpose()).cwiseProduct(
      (z2.array() > 0.0f).cast<float>().matrix());
  grads.w2.noalias() += a1.transpose() * dz2;
  grads.b2 += dz2.colwise().sum();
  Matrix dz1 = (dz2 * w2.transpose()).cwiseProduct(
      (z1.array() > 0.0f).cast<float>().matrix());
  grads.w1.noalias() += x.transpose() * dz1;
  grads.b1 += dz1.colwise().sum();
  dx.noalias() = dz1 * w1.transpose();
}

MlpGrads::MlpGrads(const Mlp& shape)
    : w1(Matrix::Zero(shape.w1.rows(), shape.w1.cols())),
      w2(Matrix::Zero(shape.w2.rows(), shape.w2.cols())),
      b1(RowVector::Zero(shape.b1.size())),
      b2(RowVector::Zero(shape.b2.size())),
      w3(Vector::Zero(shape.w3.size())) {}

void MlpGrads::setZero() {
  w1.setZero();
  w2.setZero();
  b1.setZero();
  b2.setZero();
  w3.setZero();
  b3 = 0;
}

}  // namespace rr::scoring
