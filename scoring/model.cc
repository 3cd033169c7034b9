#include "scoring/model.h"

#include <algorithm>
#include <cmath>

namespace rr::scoring {
namespace {

Matrix smallRandom(uint32_t rows, int dim, std::mt19937_64& rng) {
  std::normal_distribution<float> normal(0.0f, 0.1f);
  Matrix m(rows, dim);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = normal(rng);
  return m;
}

// out += scale * mean of the rows (no-op for an empty list).
void addMeanRows(const Matrix& table, const std::vector<uint32_t>& rows,
                 float scale, Eigen::Map<Vector>& out) {
  if (rows.empty()) return;
  const float w = scale / static_cast<float>(rows.size());
  // The rows sit at random places in a table of megabytes: ask for the ones
  // a few steps ahead early, every cache line of them. Same sums, same order.
  constexpr std::size_t kAhead = 8;
  const std::size_t row_bytes = static_cast<std::size_t>(table.cols()) * sizeof(float);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (i + kAhead < rows.size()) {
      const char* next = reinterpret_cast<const char*>(table.row(rows[i + kAhead]).data());
      for (std::size_t b = 0; b < row_bytes; b += 64) __builtin_prefetch(next + b);
    }
    out.noalias() += w * table.row(rows[i]).transpose();
  }
}

}  // namespace

int priceBand(double price, int buckets) {
  if (!(price > 0)) return 0;
  int band = static_cast<int>(std::floor(std::log2(price + 1.0) * 1.5));
  return std::clamp(band, 0, buckets - 1);
}

Model::Model(ModelDims dims, TokenizerSettings tokenizer, uint64_t seed)
    : dims_(dims), tokenizer_(tokenizer) {
  std::mt19937_64 rng(seed);
  params_.item_tokens = smallRandom(tokenizer.buckets, dims.dim, rng);
  params_.query_tokens = smallRandom(tokenizer.buckets, dims.dim, rng);
  params_.brands = smallRandom(dims.brand_buckets, dims.dim, rng);
  params_.categories = smallRandom(dims.category_buckets, dims.dim, rng);
  params_.prices = smallRandom(static_cast<uint32_t>(dims.price_buckets), dims.dim, rng);
  params_.ids = smallRandom(dims.id_buckets, dims.dim, rng);
  params_.mlp = Mlp(kFeatureCountForModel, dims.hidden1, dims.hidden2, rng);
}

Model::Model(ModelDims dims, TokenizerSettings tokenizer, Unfilled)
    : dims_(dims), tokenizer_(tokenizer) {}

ItemInput Model::itemInput(const ItemText& item) const {
  ItemInput in = itemKeys(item);
  tokenizer_.tokenize(item.title, in.title_tokens);
  tokenizer_.tokenize(item.description, in.description_tokens);
  return in;
}

ItemInput Model::itemKeys(const ItemText& item) const {
  ItemInput in;
  if (!item.brand.empty()) in.brand = tokenizer_.hashValue(item.brand, dims_.brand_buckets);
  if (!item.category.empty()) {
    in.category = tokenizer_.hashValue(item.category, dims_.category_buckets);
  }
  if (item.price) in.price = priceBand(*item.price, dims_.price_buckets);
  if (stats_.known(item.id, kMinClicksForId)) {
    in.id = tokenizer_.hashValue("id:", item.id, dims_.id_buckets);
  }
  return in;
}

void Model::queryTokens(std::string_view query, std::vector<uint32_t>& out) const {
  out.clear();
  tokenizer_.tokenize(query, out);
}

void Model::itemVector(const ItemInput& item, float* out) const {
  Eigen::Map<Vector> v(out, dims_.dim);
  v.setZero();
  addMeanRows(params_.item_tokens, item.title_tokens, 1.0f, v);
  addMeanRows(params_.item_tokens, item.description_tokens, kDescriptionWeight, v);
  if (item.brand >= 0) v.noalias() += params_.brands.row(item.brand).transpose();
  if (item.category >= 0) v.noalias() += params_.categories.row(item.category).transpose();
  if (item.price >= 0) v.noalias() += params_.prices.row(item.price).transpose();
  if (item.id >= 0) v.noalias() += params_.ids.row(item.id).transpose();
}

void Model::queryVector(const std::vector<uint32_t>& tokens, float* out) const {
  Eigen::Map<Vector> q(out, dims_.dim);
  q.setZero();
  addMeanRows(params_.query_tokens, tokens, 1.0f, q);
  addMeanRows(params_.item_tokens, tokens, 1.0f, q);
}

}  // namespace rr::scoring
