// Eigen aliases used across scoring/. Embedding tables are row-major so one
// item's or token's vector is contiguous.
#pragma once

#include <Eigen/Dense>

namespace rr::scoring {

using Matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Vector = Eigen::VectorXf;
using RowVector = Eigen::RowVectorXf;

}  // namespace rr::scoring
