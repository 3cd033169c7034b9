#include "rerank/live_scorer.h"

#include <bit>
#include <cmath>
#include <functional>

#include "scoring/tokenizer.h"

namespace rr::rerank {
namespace {

scoring::ItemKeys keysOf(const scoring::ItemInput& in) {
  return {.brand = in.brand, .category = in.category, .price = in.price};
}

// Every field the tower reads, hashed a word at a time (std::hash), each
// field's hash folded in with a multiply-xorshift so that moving text from
// one field to another changes the key. Collisions at 64 bits: none in
// practice for a cache of at most 20,000 items.
uint64_t historyKey(const scoring::ItemText& item) {
  uint64_t h = 0x9e3779b97f4a7c15ull;
  const auto fold = [&h](uint64_t v) {
    h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
  };
  const std::hash<std::string_view> hash;
  for (std::string_view part : {std::string_view(item.id), std::string_view(item.title),
                                std::string_view(item.description), std::string_view(item.brand),
                                std::string_view(item.category)}) {
    fold(hash(part));
    fold(part.size());
  }
  fold(item.price ? std::bit_cast<uint64_t>(*item.price) : 0x7ff8dead0000beefull);
  return h;
}

}  // namespace

LiveScorer::LiveScorer(const scoring::Model& model)
    : model_(model), scorer_(model.params().mlp) {}

void LiveScorer::score(std::string_view query, std::span<const LiveCandidate> candidates,
                       const LiveHistory& history, std::vector<float>& out,
                       std::size_t* computed, const LiveStats* live) {
  const int d = model_.dim();
  const auto m = static_cast<Eigen::Index>(candidates.size());
  const std::string normalized = scoring::Tokenizer::normalize(query);

  candidates_.resize(m, d);
  stats_.clear();
  candidate_keys_.clear();
  std::size_t n_computed = 0;
  // Which candidates have an ID row is one item lookup each in the model's
  // click statistics; started a few candidates ahead (ClickStats::QueryPriors::of).
  constexpr Eigen::Index kAhead = 8;
  const scoring::ClickStats& model_stats = model_.stats();
  for (Eigen::Index c = 0; c < std::min(kAhead, m); ++c) {
    model_stats.prefetchItem(candidates[static_cast<std::size_t>(c)].text.id);
  }
  for (Eigen::Index c = 0; c < m; ++c) {
    const auto& cand = candidates[static_cast<std::size_t>(c)];
    if (c + kAhead < m) model_stats.prefetchItem(candidates[static_cast<std::size_t>(c + kAhead)].text.id);
    scoring::ItemInput in;
    if (cand.vector.size() == static_cast<std::size_t>(d)) {
      // The keys and the ID row are all the features need: the vector came
      // from the index.
      in = model_.itemKeys(cand.text);
      std::copy(cand.vector.begin(), cand.vector.end(), candidates_.row(c).data());
    } else {
      in = model_.itemInput(cand.text);
      model_.itemVector(in, candidates_.row(c).data());
      ++n_computed;
    }
    candidate_keys_.push_back(keysOf(in));
    stats_.push_back({.engine_score = cand.engine_score,
                      .engine_rank = cand.engine_rank,
                      .item_known = in.id >= 0});
  }
  if (computed) *computed = n_computed;
  auto clickFeatures = [&](const scoring::ClickStats& stats) {
    ids_.clear();
    for (const auto& cand : candidates) ids_.push_back(cand.text.id);
    priors_.resize(ids_.size());
    stats.forQuery(normalized).of(ids_, priors_);
    for (std::size_t c = 0; c < candidates.size(); ++c) {
      const auto& p = priors_[c];
      stats_[c].click_prior = p.click_prior;
      stats_[c].token_prior = p.token_prior;
      stats_[c].popularity = p.popularity;
      stats_[c].similar_prior = p.similar_prior;
    }
  };
  if (live) {
    live->read(clickFeatures);
  } else {
    clickFeatures(model_.stats());
  }

  // History: weights as in training (type weight x half-life decay).
  history_rows_ = 0;
  for (const auto& e : history.events) {
    if (e.item && eventWeight(e.kind) > 0) ++history_rows_;
  }
  history_.resize(history_rows_, d);
  history_weight_.resize(history_rows_);
  session_weight_.resize(history_rows_);
  history_keys_.clear();
  const double half_life_ms = history.half_life_days * 86400e3;
  // Every row's key first, its slot's line requested at once; then the
  // lookups, which find those lines on their way.
  if (slots_.empty()) slots_.resize(kSlots);
  event_keys_.clear();
  for (const auto& e : history.events) {
    if (!e.item || eventWeight(e.kind) <= 0) continue;
    const uint64_t key = std::max<uint64_t>(historyKey(*e.item), 1);
    event_keys_.push_back(key);
    __builtin_prefetch(&slots_[key & (kSlots - 1)]);
  }
  Eigen::Index j = 0;
  for (const auto& e : history.events) {
    if (!e.item || eventWeight(e.kind) <= 0) continue;
    const uint32_t row = cachedRow(event_keys_[static_cast<std::size_t>(j)], *e.item);
    const float* cached = cached_vectors_.data() + static_cast<std::size_t>(row) * d;
    std::copy(cached, cached + d, history_.row(j).data());
    history_keys_.push_back(cached_keys_[row]);
    const double age = static_cast<double>(history.now_ms - e.ts_ms);
    const float w = std::max(
        eventWeight(e.kind) * static_cast<float>(std::pow(0.5, std::max(0.0, age) / half_life_ms)),
        1e-6f);
    history_weight_(j) = w;
    session_weight_(j) = !history.session_id.empty() && e.session_id == history.session_id ? w : 0;
    ++j;
  }

  // The next-item feature: which candidates shoppers took right after this
  // shopper's latest items (the model's transitions; none learned live).
  next_item_.clear();
  if (history_rows_ > 0) {
    recent_.clear();
    for (auto e = history.events.rbegin();
         e != history.events.rend() && recent_.size() < scoring::ClickStats::kNextItemDepth; ++e) {
      if (e->item && eventWeight(e->kind) > 0) recent_.push_back(e->item_id);
    }
    // ids_: the candidates' ids, as the click features above left them.
    next_item_.resize(candidates.size());
    model_.stats().nextItem(recent_, ids_, next_item_);
  }

  model_.queryTokens(normalized, tokens_);
  query_.resize(d);
  model_.queryVector(tokens_, query_.data());
  scoring::WindowInput input{
      .candidates = scoring::MatrixMap(candidates_.data(), m, d),
      .query = scoring::VectorMap(query_.data(), d),
      .history = scoring::MatrixMap(history_.data(), history_rows_, d),
      .history_weight = scoring::VectorMap(history_weight_.data(), history_rows_),
      .session_weight = scoring::VectorMap(session_weight_.data(), history_rows_),
      .stats = stats_,
      .candidate_keys = candidate_keys_,
      .history_keys = history_keys_,
      .next_item = next_item_};
  out.resize(static_cast<std::size_t>(m));
  scorer_.score(input, out);
}

uint32_t LiveScorer::cachedRow(uint64_t key, const scoring::ItemText& item) {
  const auto d = static_cast<std::size_t>(model_.dim());
  std::size_t s = key & (kSlots - 1);
  for (; slots_[s].key != 0; s = (s + 1) & (kSlots - 1)) {
    if (slots_[s].key == key) return slots_[s].row;
  }
  if (cached_keys_.size() >= kMaxCached) {  // full: start again
    std::fill(slots_.begin(), slots_.end(), Slot{});
    cached_keys_.clear();
    cached_vectors_.clear();
    s = key & (kSlots - 1);
  }
  const auto row = static_cast<uint32_t>(cached_keys_.size());
  const auto in = model_.itemInput(item);
  cached_keys_.push_back(keysOf(in));
  cached_vectors_.resize((row + std::size_t{1}) * d);
  model_.itemVector(in, cached_vectors_.data() + static_cast<std::size_t>(row) * d);
  slots_[s] = {key, row};
  return row;
}

void LiveScorer::explain(std::size_t c, std::vector<float>& features,
                         std::vector<float>& contributions) {
  const auto row = scorer_.features(static_cast<Eigen::Index>(candidates_.rows()))
                       .row(static_cast<Eigen::Index>(c));
  features.clear();
  for (Eigen::Index f = 0; f < row.size(); ++f) features.push_back(row(f));
  contributions.resize(features.size());
  scorer_.contributions(static_cast<Eigen::Index>(c), contributions);
}

}  // namespace rr::rerank
