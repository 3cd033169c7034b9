#include "scoring/pipeline/example_builder.h"

#include <algorithm>
#include <cmath>
#include <unordered_set>

#include "scoring/tokenizer.h"

namespace rr::scoring::pipeline {
namespace {

float typeWeight(LogEvent::Kind kind) {
  switch (kind) {
    case LogEvent::Kind::kPurchase: return 4.0f;
    case LogEvent::Kind::kCart: return 3.0f;
    case LogEvent::Kind::kClick: return 2.0f;
    case LogEvent::Kind::kView: return 1.0f;
    case LogEvent::Kind::kSearch: return 0.0f;
  }
  return 0.0f;
}

// A shopper's interaction counts as following the one just before it
// (weight 1) and the one before that (kFartherTransition): a repeated view
// between a purchase and the next one does not hide the pair.
constexpr std::size_t kTransitionReach = 2;
constexpr float kFartherTransition = 0.5f;

}  // namespace

ExampleBuilder::ExampleBuilder(const std::vector<scoring::ItemText>& catalog,
                               const WindowSource& windows, BuildOptions options)
    : catalog_(catalog), windows_(windows), options_(options) {
  for (std::size_t i = 0; i < catalog.size(); ++i) by_id_.emplace(catalog[i].id, i);
}

scoring::ItemInput ExampleBuilder::input(const std::string& id,
                                         const scoring::Model& model) const {
  auto it = by_id_.find(id);
  scoring::ItemInput in;
  if (it != by_id_.end()) in = inputs_[it->second];
  // The ID vector only for items with enough clicks so far (with online
  // statistics: by the end of the statistics period).
  bool known = model.stats().known(id, scoring::Model::kMinClicksForId);
  if (frozen_clicks_) {
    const auto* clicks = frozen_clicks_->find(id);
    known = clicks && clicks->raw >= scoring::Model::kMinClicksForId;
  }
  if (known) {
    in.id = model.tokenizer().hashValue("id:", id, model.dims().id_buckets);
  }
  return in;
}

void ExampleBuilder::nearestToQuery(const scoring::Model& model,
                                    const std::vector<uint32_t>& tokens,
                                    std::vector<std::string>& out) {
  if (options_.vector_extras <= 0 || catalog_.empty() || tokens.empty()) return;
  scoring::Vector q(model.dim());
  model.queryVector(tokens, q.data());
  scoring::Vector sims = catalog_vectors_ * q;
  std::vector<int> order(static_cast<std::size_t>(sims.size()));
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
  const auto k = std::min<std::size_t>(order.size(), static_cast<std::size_t>(options_.vector_extras));
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), order.end(),
                    [&](int a, int b) { return sims[a] > sims[b]; });
  for (std::size_t i = 0; i < k; ++i) out.push_back(catalog_[static_cast<std::size_t>(order[i])].id);
}

std::vector<std::string> ExampleBuilder::clickedBefore(
    const std::unordered_map<std::string, int>& counts) const {
  std::vector<std::pair<int, std::string>> clicked;
  for (const auto& [item, n] : counts) clicked.emplace_back(-n, item);
  std::sort(clicked.begin(), clicked.end());
  std::vector<std::string> out;
  // The top `prior_extras` first, then the catalog: an item clicked but not
  // in the catalog still takes its place (fewer extras, not others).
  for (std::size_t i = 0; i < clicked.size() && static_cast<int>(i) < options_.prior_extras; ++i) {
    if (by_id_.count(clicked[i].second)) out.push_back(clicked[i].second);
  }
  return out;
}

scoring::Model::QueryClicks ExampleBuilder::clickLists() const {
  scoring::Model::QueryClicks lists;
  for (const auto& [query, counts] : query_clicks_) {
    std::vector<std::string> ids = clickedBefore(counts);
    if (!ids.empty()) lists.emplace(query, std::move(ids));
  }
  return lists;
}

void ExampleBuilder::build(const LogEvent& search, scoring::Model& model, bool training,
                           Labelled& out) {
  out = Labelled{};
  out.ts_ms = search.ts_ms;
  out.user = search.user;
  out.query = scoring::Tokenizer::normalize(search.query);
  out.target = search.item;

  // Candidates: engine window, then extras not already there.
  std::unordered_set<std::string> seen;
  const Window& w = windows_.window(out.query);
  std::vector<float> engine_scores;
  for (const auto& s : w) {
    if (static_cast<int>(out.candidates.size()) >= options_.window) break;
    if (!by_id_.count(s.id) || !seen.insert(s.id).second) continue;
    out.candidates.push_back(s.id);
    out.origins.push_back(kFromEngine);
    engine_scores.push_back(s.score);
  }
  out.engine_count = static_cast<int>(out.candidates.size());
  for (int i = 0; i < out.engine_count; ++i) {
    if (out.candidates[static_cast<std::size_t>(i)] == out.target) out.engine_rank = i;
  }
  std::vector<std::string> extras;
  if (frozen_lists_) {
    // Online statistics in the evaluated period: what rerankd adds.
    auto trained = frozen_lists_->find(out.query);
    auto since = clicks_since_.find(out.query);
    for (std::string& id : scoring::mergeClickLists(
             trained == frozen_lists_->end() ? nullptr : &trained->second,
             since == clicks_since_.end() ? nullptr : &since->second,
             static_cast<std::size_t>(std::max(0, options_.prior_extras)))) {
      if (by_id_.count(id)) extras.push_back(std::move(id));
    }
  } else if (auto it = query_clicks_.find(out.query); it != query_clicks_.end()) {
    extras = clickedBefore(it->second);
  }
  auto& ex = out.example;
  model.queryTokens(out.query, ex.query_tokens);
  const std::size_t clicked_before = extras.size();
  nearestToQuery(model, ex.query_tokens, extras);
  // The origin of each extra: rerankd adds the two kinds separately (k-NN
  // extras, the model's click lists), so the live evaluation needs to tell
  // them apart.
  std::unordered_map<std::string, uint8_t> extra_origin;
  for (std::size_t i = 0; i < extras.size(); ++i) {
    extra_origin[extras[i]] |= i < clicked_before ? kClickedBefore : kNearQuery;
  }
  // Both kinds are catalog items; those already in the window keep their place.
  for (const auto& id : extras) {
    if (seen.insert(id).second) {
      out.candidates.push_back(id);
      out.origins.push_back(extra_origin[id]);
      engine_scores.push_back(0.0f);
    }
  }
  // What the shopper was shown, when the log says (rerankd's impressions):
  // the real negatives. In a training list each is a candidate, marked
  // shown, and the click's position weighs the list against position bias.
  // An evaluated search keeps the candidates the live path would have: the
  // page shown would hand it the clicked item.
  for (std::size_t k = 0; k < search.impressions.size(); ++k) {
    const std::string& id = search.impressions[k];
    if (id == out.target) out.click_position = search.from + static_cast<int>(k) + 1;
    if (!training || !by_id_.count(id)) continue;
    if (seen.insert(id).second) {
      out.candidates.push_back(id);
      out.origins.push_back(kShown);
      engine_scores.push_back(0.0f);
    } else {
      for (std::size_t c = 0; c < out.candidates.size(); ++c) {
        if (out.candidates[c] == id) out.origins[c] |= kShown;
      }
    }
  }

  if (training && out.click_position > 0 && options_.position_bias > 0) {
    ex.weight = static_cast<float>(
        std::min(options_.max_position_weight,
                 std::pow(static_cast<double>(out.click_position), options_.position_bias)));
  }

  model.stats().setNow(search.ts_ms);
  // The query's click features as rerankd computes them (forQuery gives
  // the single calls' values bit for bit, with one similar-query search).
  const auto priors = model.stats().forQuery(out.query);
  for (std::size_t c = 0; c < out.candidates.size(); ++c) {
    const std::string& id = out.candidates[c];
    ex.candidates.push_back(input(id, model));
    const scoring::ClickStats::Priors p = priors.of(id);
    ex.stats.push_back({.engine_score = engine_scores[c],
                        .engine_rank = static_cast<int>(c) < out.engine_count
                                           ? static_cast<int>(c)
                                           : options_.window,
                        .click_prior = p.click_prior,
                        .token_prior = p.token_prior,
                        .popularity = p.popularity,
                        .similar_prior = p.similar_prior,
                        .item_known = ex.candidates.back().id >= 0});
    if (id == out.target) ex.target = static_cast<int>(c);
  }

  // History: the user's earlier interactions, most recent last.
  if (auto it = history_.find(search.user); it != history_.end() && !it->second.empty()) {
    out.has_history = true;
    const double half_life_ms = options_.half_life_days * 86400e3;
    for (const Past& p : it->second) {
      ex.history.push_back(input(p.item, model));
      const double age = static_cast<double>(search.ts_ms - p.ts_ms);
      const float weight = typeWeight(p.kind) *
                           static_cast<float>(std::pow(0.5, std::max(0.0, age) / half_life_ms));
      ex.history_weight.push_back(std::max(weight, 1e-6f));
      ex.session_weight.push_back(p.session == search.session ? ex.history_weight.back() : 0.0f);
    }
    // The next-item feature from the latest items, most recent first.
    std::vector<std::string_view> recent;
    for (auto p = it->second.rbegin();
         p != it->second.rend() && recent.size() < scoring::ClickStats::kNextItemDepth; ++p) {
      recent.push_back(p->item);
    }
    std::vector<std::string_view> ids(out.candidates.begin(), out.candidates.end());
    ex.next_item.resize(ids.size());
    model.stats().nextItem(recent, ids, ex.next_item);
  }
}

void ExampleBuilder::replay(const std::vector<LogEvent>& events, scoring::Model& model,
                            int64_t stats_until_ms, int64_t from_ms, int64_t to_ms,
                            const std::function<void(Labelled&)>& on_search) {
  history_.clear();
  query_clicks_.clear();
  frozen_clicks_.reset();
  frozen_lists_.reset();
  clicks_since_.clear();
  model.stats() = scoring::ClickStats(options_.stats_half_life_days);
  // Content inputs once; ID rows are decided per use from the stats so far.
  if (inputs_.size() != catalog_.size()) {
    inputs_.clear();
    for (const auto& item : catalog_) {
      scoring::ItemText text = item;
      text.id.clear();
      inputs_.push_back(model.itemInput(text));
      inputs_.back().id = -1;
    }
  }
  // Vectors for the learned retrieval, with the model as it is now (content
  // only: which items get an ID row depends on clicks still to come).
  catalog_vectors_.resize(static_cast<Eigen::Index>(catalog_.size()), model.dim());
  for (std::size_t i = 0; i < catalog_.size(); ++i) {
    model.itemVector(inputs_[i], catalog_vectors_.row(static_cast<Eigen::Index>(i)).data());
  }

  Labelled labelled;
  bool final_vectors = false;
  for (const LogEvent& e : events) {
    if (e.ts_ms >= to_ms && e.ts_ms >= stats_until_ms) break;
    if (!final_vectors && e.ts_ms >= stats_until_ms) {
      // The model's statistics are final from here on (an evaluation's test
      // period): the retrieval uses the vectors index-sync writes, ID rows
      // included, which rerankd's k-NN search finds items by.
      if (options_.online_stats) {
        frozen_clicks_ = model.stats().tables().items;
        frozen_lists_ = clickLists();
      }
      for (std::size_t i = 0; i < catalog_.size(); ++i) {
        model.itemVector(input(catalog_[i].id, model),
                         catalog_vectors_.row(static_cast<Eigen::Index>(i)).data());
      }
      final_vectors = true;
    }
    if (e.kind == LogEvent::Kind::kSearch) {
      if (!e.item.empty() && e.ts_ms >= from_ms && e.ts_ms < to_ms) {
        build(e, model, /*training=*/e.ts_ms < stats_until_ms, labelled);
        on_search(labelled);
      }
      // Its click counts from now on (after the search was scored).
      const bool before = e.ts_ms < stats_until_ms;
      if (!e.item.empty() && (before || options_.online_stats)) {
        const std::string q = scoring::Tokenizer::normalize(e.query);
        model.stats().addClick(q, e.item, e.ts_ms);
        ++(before ? query_clicks_ : clicks_since_)[q][e.item];
      }
      continue;
    }
    auto& past = history_[e.user];
    // What followed what, in the statistics period only: rerankd serves the
    // model's transitions and learns none live.
    if (e.ts_ms < stats_until_ms) {
      for (std::size_t back = 1; back <= std::min<std::size_t>(kTransitionReach, past.size()); ++back) {
        model.stats().addTransition(past[past.size() - back].item, e.item,
                                    back == 1 ? 1.0f : kFartherTransition);
      }
    }
    past.push_back({e.item, e.kind, e.ts_ms, e.session});
    while (static_cast<int>(past.size()) > options_.max_history) past.pop_front();
  }
}

}  // namespace rr::scoring::pipeline
