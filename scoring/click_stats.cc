#include "scoring/click_stats.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace rr::scoring {
namespace {

uint64_t fnv(std::string_view s, uint64_t h = 14695981039346656037ull) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

template <class F>
void forEachWord(std::string_view q, F&& f) {
  std::size_t start = 0;
  while (start < q.size()) {
    auto end = q.find(' ', start);
    if (end == std::string_view::npos) end = q.size();
    if (end > start) f(q.substr(start, end - start));
    start = end + 1;
  }
}

// The distinct character trigrams of a query with its spaces dropped and
// its ends marked, each packed in 24 bits, sorted.
std::vector<uint32_t> trigramsOf(std::string_view q) {
  std::string s = "\x02";
  for (char c : q) {
    if (c != ' ') s += c;
  }
  s += '\x03';
  std::vector<uint32_t> out;
  for (std::size_t i = 0; i + 2 < s.size(); ++i) {
    out.push_back(static_cast<uint32_t>(static_cast<unsigned char>(s[i])) << 16 |
                  static_cast<uint32_t>(static_cast<unsigned char>(s[i + 1])) << 8 |
                  static_cast<unsigned char>(s[i + 2]));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

double massOf(const ClickStats::Tables& t, std::string_view item) {
  const auto* count = t.items.find(item);
  return count ? count->mass : 0.0;
}

}  // namespace

ClickStats::ClickStats(double half_life_days) : half_life_days_(half_life_days) {
  t_.half_life_days = half_life_days;
}

uint64_t ClickStats::queryKey(std::string_view q) { return fnv(q); }
uint64_t ClickStats::pairKey(std::string_view q, std::string_view item) {
  return fnv(item, fnv("\x1f", fnv(q)));
}
uint64_t ClickStats::tokenKey(std::string_view word) { return fnv(word, fnv("\x1ew")); }
uint64_t ClickStats::tokenPairKey(uint64_t token, std::string_view item) {
  return fnv(item, fnv("\x1f", token));
}

double ClickStats::mass(int64_t ts_ms) const {
  if (half_life_days_ <= 0 || !t_.anchored) return 1.0;
  const double days = static_cast<double>(ts_ms - t_.anchor_ms) / 86400e3;
  return std::exp2(days / half_life_days_);
}

double ClickStats::scaleNow() const { return mass(now_ms_ != 0 ? now_ms_ : t_.latest_ms); }

void ClickStats::rebase(int64_t ts_ms) {
  // Masses grow as 2^(days / half-life) from the anchor: move the anchor
  // to `ts_ms` and shrink every mass by the same factor, which leaves
  // every ratio (and so every feature) as it was.
  const double factor = 1.0 / mass(ts_ms);
  for (auto* table : {&t_.pairs, &t_.queries, &t_.token_pairs, &t_.tokens}) {
    table->forEach([&](uint64_t, double& m) { m *= factor; });
  }
  t_.items.forEach([&](const std::string&, Tables::ItemCount& count) { count.mass *= factor; });
  t_.total *= factor;
  t_.max_item *= factor;
  t_.anchor_ms = ts_ms;
}

void ClickStats::addClick(std::string_view normalized_query, std::string_view item,
                          int64_t ts_ms) {
  if (!t_.anchored) {
    t_.anchored = true;
    t_.anchor_ms = ts_ms;
  }
  // 2^512 is far from double's limit; a click that far after the anchor
  // (a year at a half-life of a day) moves it first.
  if (half_life_days_ > 0 &&
      static_cast<double>(ts_ms - t_.anchor_ms) / 86400e3 / half_life_days_ > 512) {
    rebase(ts_ms);
  }
  const double m = mass(ts_ms);
  t_.latest_ms = std::max(t_.latest_ms, ts_ms);
  Tables::ItemCount& count = *t_.items.tryEmplace(item).first;
  ++count.raw;
  double& n = count.mass;
  n += m;
  t_.max_item = std::max(t_.max_item, n);
  t_.total += m;
  if (!normalized_query.empty()) {
    auto [query, first] = t_.queries.tryEmplace(queryKey(normalized_query), 0.0);
    if (first) {
      t_.query_texts.emplace_back(normalized_query);
      indexQuery(static_cast<uint32_t>(t_.query_texts.size() - 1));
    }
    *query += m;
    t_.pairs[pairKey(normalized_query, item)] += m;
    forEachWord(normalized_query, [&](std::string_view w) {
      const uint64_t k = tokenKey(w);
      t_.tokens[k] += m;
      t_.token_pairs[tokenPairKey(k, item)] += m;
    });
  }
}

uint32_t ClickStats::itemClicks(std::string_view item) const {
  const auto* count = t_.items.find(item);
  return count ? count->raw : 0;
}

float ClickStats::share(std::string_view item) const {
  return t_.total <= 0 ? 0.0f
                       : static_cast<float>(massOf(t_, item) / t_.total);
}

float ClickStats::popularity(std::string_view item) const {
  if (t_.max_item <= 0) return 0;
  // Anchored masses all shrink by the same factor as time passes, so the
  // largest one is the most-clicked item at any "now".
  const double scale = scaleNow();
  const double n = massOf(t_, item) / scale;
  return static_cast<float>(std::log1p(n) / std::log1p(t_.max_item / scale));
}

float ClickStats::clickPrior(std::string_view normalized_query, std::string_view item) const {
  // Smoothing is worth kSmoothing clicks made now.
  const double a = kSmoothing * scaleNow();
  const double pair = t_.pairs.get(pairKey(normalized_query, item));
  const double query = t_.queries.get(queryKey(normalized_query));
  return static_cast<float>((pair + a * share(item)) / (query + a));
}

void ClickStats::indexQuery(uint32_t index) {
  std::vector<uint32_t> grams = trigramsOf(t_.query_texts[index]);
  for (uint32_t g : grams) trigrams_[g].push_back(index);
  if (query_trigrams_.size() <= index) query_trigrams_.resize(index + 1);
  query_trigrams_[index] = std::move(grams);
}

std::optional<std::string_view> ClickStats::similarQuery(std::string_view q) const {
  const std::vector<uint32_t> grams = trigramsOf(q);
  const std::size_t a = grams.size();
  if (a == 0) return std::nullopt;
  // A query B with Jaccard >= t shares at least t * |A| of q's trigrams
  // (|B| >= the shared count), so it has one of any |A| - ceil(t * |A|) + 1
  // of them: only the queries of q's rarest trigrams are candidates
  // (prefix filtering), and each candidate's overlap is then counted
  // exactly. Far less than counting every query of every trigram: common
  // trigrams ("xbo", "box") are in a large share of a shop's queries.
  std::vector<std::pair<std::size_t, const std::vector<uint32_t>*>> postings;
  postings.reserve(a);
  for (uint32_t g : grams) {
    auto it = trigrams_.find(g);
    if (it == trigrams_.end()) {
      postings.emplace_back(0, nullptr);
    } else {
      postings.emplace_back(it->second.size(), &it->second);
    }
  }
  std::sort(postings.begin(), postings.end(),
            [](const auto& x, const auto& y) { return x.first < y.first; });
  // ceil(t * a), rounded down when t * a is an integer up to float error:
  // a longer prefix only adds candidates.
  const auto need = static_cast<std::size_t>(
      std::max(1.0, std::ceil(kSimilarQueryMin * static_cast<double>(a) - 1e-9)));
  std::size_t scan = 0;
  for (std::size_t i = 0; i + need <= a; ++i) scan += postings[i].first;
  if (scan > kSimilarQueryMaxScan) return std::nullopt;
  std::vector<uint32_t> candidates;
  candidates.reserve(scan);
  for (std::size_t i = 0; i + need <= a; ++i) {
    if (postings[i].second) {
      candidates.insert(candidates.end(), postings[i].second->begin(), postings[i].second->end());
    }
  }
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());

  double best = 0;
  std::optional<uint32_t> found;
  for (uint32_t index : candidates) {  // ascending: ties keep the first logged
    const std::vector<uint32_t>& b = query_trigrams_[index];
    // Jaccard <= min(|A|, |B|) / max(|A|, |B|).
    if (static_cast<double>(std::min(a, b.size())) <
        kSimilarQueryMin * static_cast<double>(std::max(a, b.size()))) {
      continue;
    }
    std::size_t common = 0;
    for (auto x = grams.begin(), y = b.begin(); x != grams.end() && y != b.end();) {
      if (*x < *y) {
        ++x;
      } else if (*y < *x) {
        ++y;
      } else {
        ++common, ++x, ++y;
      }
    }
    const double jaccard =
        static_cast<double>(common) / static_cast<double>(a + b.size() - common);
    if ((found ? jaccard > best : jaccard >= kSimilarQueryMin) && t_.query_texts[index] != q) {
      best = jaccard;
      found = index;
    }
  }
  if (!found) return std::nullopt;
  return std::string_view(t_.query_texts[*found]);
}

std::string_view ClickStats::priorQuery(std::string_view q) const {
  // "": no query's clicks, so the item's overall share.
  if (t_.queries.get(queryKey(q)) > 0) return {};
  return similarQuery(q).value_or(std::string_view{});
}

float ClickStats::similarPrior(std::string_view normalized_query, std::string_view item) const {
  return clickPrior(priorQuery(normalized_query), item);
}

ClickStats::QueryPriors ClickStats::forQuery(std::string_view normalized_query) const {
  QueryPriors q(*this);
  q.smoothing_ = kSmoothing * scaleNow();
  q.scale_ = scaleNow();
  q.pair_prefix_ = fnv("\x1f", fnv(normalized_query));
  q.query_mass_ = t_.queries.get(queryKey(normalized_query));
  // priorQuery, without looking the query's mass up a second time.
  const std::string_view similar =
      q.query_mass_ > 0 ? std::string_view{}
                        : similarQuery(normalized_query).value_or(std::string_view{});
  q.similar_prefix_ = fnv("\x1f", fnv(similar));
  q.similar_mass_ = t_.queries.get(queryKey(similar));
  forEachWord(normalized_query, [&](std::string_view w) {
    const uint64_t k = tokenKey(w);
    q.words_.emplace_back(fnv("\x1f", k), t_.tokens.get(k));
  });
  return q;
}

void ClickStats::QueryPriors::keysOf(std::string_view item, uint64_t* keys) const {
  keys[0] = Tables::Items::hashOf(item);
  keys[1] = pair_prefix_;
  keys[2] = similar_prefix_;
  for (std::size_t w = 0; w < words_.size(); ++w) keys[3 + w] = words_[w].first;
  // fnv(item, prefix) for every prefix at once: one pass over the item's
  // bytes, the chains side by side instead of one after another.
  const std::size_t n = keyCount();
  for (unsigned char c : item) {
    for (std::size_t k = 1; k < n; ++k) keys[k] = (keys[k] ^ c) * 1099511628211ull;
  }
}

void ClickStats::QueryPriors::prefetch(const uint64_t* keys) const {
  // Only the lookups fromKeys makes (see there).
  const Tables& t = stats_.t_;
  t.items.prefetch(keys[0]);
  if (query_mass_ > 0) t.pairs.prefetch(keys[1]);
  if (similar_mass_ > 0) t.pairs.prefetch(keys[2]);
  for (std::size_t w = 0; w < words_.size(); ++w) {
    if (words_[w].second > 0) t.token_pairs.prefetch(keys[3 + w]);
  }
}

ClickStats::Priors ClickStats::QueryPriors::fromKeys(const uint64_t* keys) const {
  // The same expressions, in the same order, as clickPrior, tokenPrior and
  // popularity: served features must equal trained ones exactly.
  const Tables& t = stats_.t_;
  const Tables::ItemCount* count = t.items.findHash(keys[0]);
  const double item_mass = count ? count->mass : 0.0;
  const float share = t.total <= 0 ? 0.0f : static_cast<float>(item_mass / t.total);
  Priors p;
  const double a = smoothing_;
  // A pair's mass is only ever added together with its query's (or word's),
  // and no pair has the empty query: where that mass is 0 the pair is not
  // in the table, and its lookup (a cache miss, for nothing) is skipped.
  // The similar query is empty whenever the query has clicks of its own.
  const double pair = query_mass_ > 0 ? t.pairs.get(keys[1]) : 0.0;
  p.click_prior = static_cast<float>((pair + a * share) / (query_mass_ + a));
  const double similar_pair = similar_mass_ > 0 ? t.pairs.get(keys[2]) : 0.0;
  p.similar_prior = static_cast<float>((similar_pair + a * share) / (similar_mass_ + a));
  const double base = share;
  double sum = 0;
  for (std::size_t w = 0; w < words_.size(); ++w) {
    const double token_pair = words_[w].second > 0 ? t.token_pairs.get(keys[3 + w]) : 0.0;
    sum += (token_pair + a * base) / (words_[w].second + a);
  }
  p.token_prior = static_cast<float>(words_.empty() ? base : sum / static_cast<double>(words_.size()));
  if (t.max_item > 0) {
    const double n = item_mass / scale_;
    p.popularity = static_cast<float>(std::log1p(n) / std::log1p(t.max_item / scale_));
  }
  return p;
}

ClickStats::Priors ClickStats::QueryPriors::of(std::string_view item) const {
  thread_local std::vector<uint64_t> keys;  // only grows
  keys.resize(keyCount());
  keysOf(item, keys.data());
  return fromKeys(keys.data());
}

void ClickStats::QueryPriors::of(std::span<const std::string_view> items,
                                 std::span<Priors> out) const {
  // Each item's keys are made and its lookups started eight items before
  // it is read: a few dozen lines in flight, about what a core can wait
  // on at once, and well inside L1.
  constexpr std::size_t kAhead = 8;
  const std::size_t per = keyCount();
  thread_local std::vector<uint64_t> keys;  // only grows
  keys.resize(items.size() * per);
  const auto start = [&](std::size_t i) {
    keysOf(items[i], &keys[i * per]);
    prefetch(&keys[i * per]);
  };
  for (std::size_t i = 0; i < std::min(kAhead, items.size()); ++i) start(i);
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i + kAhead < items.size()) start(i + kAhead);
    out[i] = fromKeys(&keys[i * per]);
  }
}

float ClickStats::tokenPrior(std::string_view normalized_query, std::string_view item) const {
  const double a = kSmoothing * scaleNow();
  const double base = share(item);
  double sum = 0;
  int words = 0;
  forEachWord(normalized_query, [&](std::string_view w) {
    const uint64_t k = tokenKey(w);
    sum += (t_.token_pairs.get(tokenPairKey(k, item)) + a * base) /
           (t_.tokens.get(k) + a);
    ++words;
  });
  return static_cast<float>(words == 0 ? base : sum / words);
}

std::vector<std::string> mergeClickLists(const std::vector<std::string>* trained,
                                         const std::unordered_map<std::string, int>* since,
                                         std::size_t k) {
  std::vector<std::string> out;
  if (since) {
    std::vector<std::pair<int, std::string_view>> recent;
    for (const auto& [item, n] : *since) recent.emplace_back(-n, item);
    std::sort(recent.begin(), recent.end());
    for (const auto& [n, item] : recent) {
      if (out.size() >= k) return out;
      out.emplace_back(item);
    }
  }
  if (trained) {
    for (const std::string& item : *trained) {
      if (out.size() >= k) break;
      if (std::find(out.begin(), out.end(), item) == out.end()) out.push_back(item);
    }
  }
  return out;
}

uint64_t ClickStats::itemKey(std::string_view item) { return fnv(item, fnv("\x1e")); }

void ClickStats::addTransition(std::string_view prev, std::string_view next, float weight) {
  if (prev.empty() || next.empty() || prev == next || weight <= 0) return;
  Tables::Successors& list = t_.successors[itemKey(prev)];
  const uint64_t key = itemKey(next);
  auto at = std::lower_bound(list.begin(), list.end(), key,
                             [](const auto& entry, uint64_t k) { return entry.first < k; });
  if (at != list.end() && at->first == key) {
    at->second += weight;
  } else {
    list.insert(at, {key, weight});
    ++transition_count_;
  }
}

void ClickStats::nextItem(std::span<const std::string_view> recent,
                          std::span<const std::string_view> items, std::span<float> out) const {
  std::fill(out.begin(), out.end(), 0.0f);
  // The successor lists of the latest items merged into one small table,
  // key -> decayed count (open addressing; a weight of 0 marks a free slot,
  // as every count is > 0): then each candidate is one probe, not a search
  // in each list. Per thread, and it only grows: no allocation per search.
  thread_local std::vector<std::pair<uint64_t, float>> table;
  std::array<const Tables::Successors*, kNextItemDepth> lists{};
  std::size_t n = 0, entries = 0;
  for (std::size_t j = 0; j < recent.size() && j < kNextItemDepth; ++j) {
    auto it = t_.successors.find(itemKey(recent[j]));
    lists[j] = it == t_.successors.end() ? nullptr : &it->second;
    if (lists[j]) entries += lists[j]->size();
    n = j + 1;
  }
  if (entries == 0) return;
  std::size_t cap = 16;
  while (cap < 2 * entries) cap *= 2;
  table.assign(cap, {0, 0.0f});
  const std::size_t mask = cap - 1;
  const auto slotOf = [&](uint64_t key) {
    std::size_t i = static_cast<std::size_t>((key * 0x9E3779B97F4A7C15ull) >> 32) & mask;
    while (table[i].second != 0.0f && table[i].first != key) i = (i + 1) & mask;
    return i;
  };
  float decay = 1.0f;
  for (std::size_t j = 0; j < n; ++j, decay *= kNextItemDecay) {
    if (!lists[j]) continue;
    for (const auto& [key, count] : *lists[j]) {
      auto& slot = table[slotOf(key)];
      slot.first = key;
      slot.second += decay * count;
    }
  }
  for (std::size_t c = 0; c < items.size(); ++c) {
    const auto& slot = table[slotOf(itemKey(items[c]))];
    if (slot.second > 0) out[c] = std::log1p(slot.second);  // else 0, as filled
  }
}

void ClickStats::restore(Tables tables) {
  t_ = std::move(tables);
  transition_count_ = 0;
  for (const auto& [prev, list] : t_.successors) transition_count_ += list.size();
  half_life_days_ = t_.half_life_days;
  trigrams_.clear();
  query_trigrams_.clear();
  for (uint32_t i = 0; i < t_.query_texts.size(); ++i) indexQuery(i);
}

}  // namespace rr::scoring
