#include "rerank/search_response_writer.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <optional>
#include <string_view>

#include "connectors/json_writer.h"
#include "rerank/detail/json_scan.h"

namespace rr::rerank {
namespace {

using detail::ObjectLayout;
using Replacements = std::vector<std::optional<std::string_view>>;

// One hit of the page to write.
struct PageHit {
  const connectors::Hit* hit;
  std::optional<double> score;    // set: replace `_score`
  const HitExplain* explain;      // set: add `_rerank`
  std::size_t rank, engine_rank;  // 0-based positions, for `_rerank`
};

// The order as written: valid, first occurrences only, with scores made
// non-increasing and finite over the whole window so every page of the same
// order shows the same scores.
struct Ranking {
  std::vector<std::size_t> window_index;
  std::vector<double> score;
  std::vector<std::size_t> order_pos;  // index into parts.order (for explain)
};

Ranking rankWindow(const ResponseParts& parts) {
  const std::size_t n = parts.window->hits.size();
  Ranking r;
  std::vector<bool> seen(n, false);
  double previous = std::numeric_limits<double>::max();
  for (std::size_t k = 0; k < parts.order.size(); ++k) {
    const RankedHit& h = parts.order[k];
    if (h.window_index >= n || seen[h.window_index]) continue;
    seen[h.window_index] = true;
    double s = h.score;
    if (std::isnan(s)) s = r.score.empty() ? 0.0 : previous;
    s = std::clamp(s, std::numeric_limits<double>::lowest(), previous);
    previous = s;
    r.window_index.push_back(h.window_index);
    r.score.push_back(s);
    r.order_pos.push_back(k);
  }
  return r;
}

// [begin, end) of a page over `n` items.
std::pair<std::size_t, std::size_t> pageBounds(int from, int size, std::size_t n) {
  const std::size_t begin = std::min<std::size_t>(static_cast<std::size_t>(std::max(from, 0)), n);
  const std::size_t len = static_cast<std::size_t>(std::max(size, 0));
  return {begin, begin + std::min(len, n - begin)};
}

bool isStripped(std::string_view key, std::span<const std::string> strip) {
  return std::ranges::find(strip, key) != strip.end();
}

// The `fields` member without the stripped entries: nullopt when nothing
// was stripped, an empty string when nothing is left (drop the member).
std::optional<std::string> strippedFields(const detail::Member& m,
                                          std::span<const std::string> strip) {
  ObjectLayout layout;
  if (strip.empty() || !detail::scanObject(m.value, layout)) return std::nullopt;
  Replacements replace(layout.members.size());
  std::size_t removed = 0;
  for (std::size_t i = 0; i < layout.members.size(); ++i) {
    if (isStripped(layout.members[i].key, strip)) {
      replace[i] = std::string_view{};
      ++removed;
    }
  }
  if (removed == 0) return std::nullopt;
  if (removed == layout.members.size()) return std::string();
  std::string out(m.text.substr(0, static_cast<std::size_t>(m.value.data() - m.text.data())));
  detail::writeObject(out, layout, replace);
  return out;
}

void appendNamedFloats(std::string& out, std::string_view name,
                       const std::vector<std::pair<std::string, float>>& values) {
  out.push_back('"');
  out += name;
  out += "\":{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out.push_back(',');
    connectors::appendJsonString(out, values[i].first);
    out.push_back(':');
    detail::appendFloat(out, values[i].second);
  }
  out.push_back('}');
}

void writeHit(std::string& out, const PageHit& page_hit, std::span<const std::string> strip) {
  const connectors::Hit& hit = *page_hit.hit;
  ObjectLayout layout;
  if (!detail::scanObject(hit.raw, layout)) {
    out += hit.raw;  // not reached for a parsed response
    return;
  }
  Replacements replace(layout.members.size());
  std::string score_text, fields_text;
  for (std::size_t i = 0; i < layout.members.size(); ++i) {
    const detail::Member& m = layout.members[i];
    if (m.key == "_score" && page_hit.score) {
      score_text.assign(m.text.substr(0, static_cast<std::size_t>(m.value.data() - m.text.data())));
      detail::appendDouble(score_text, *page_hit.score);
      replace[i] = std::string_view(score_text);
    } else if (m.key == "fields") {
      if (auto stripped = strippedFields(m, strip)) {
        fields_text = std::move(*stripped);
        replace[i] = std::string_view(fields_text);
      }
    }
  }
  std::string extra;
  if (page_hit.explain) {
    extra = "\"_rerank\":{\"rank\":" + std::to_string(page_hit.rank + 1) +
            ",\"engine_rank\":" + std::to_string(page_hit.engine_rank + 1) + ",";
    appendNamedFloats(extra, "features", page_hit.explain->features);
    extra.push_back(',');
    appendNamedFloats(extra, "contributions", page_hit.explain->contributions);
    extra.push_back('}');
  }
  detail::writeObject(out, layout, replace, extra);
}

// The whitespace of the engine's `hits.hits` array, read off the hits'
// own slices (they point into the same buffer) instead of a second scan.
struct ArrayGaps {
  std::string_view open, sep = ",", close;
};

ArrayGaps hitsArrayGaps(std::string_view source, const std::vector<connectors::Hit>& hits) {
  ArrayGaps gaps;
  const char* begin = source.data();
  const char* end = source.data() + source.size();
  auto inside = [&](std::string_view s) { return s.data() > begin && s.data() + s.size() < end; };
  if (hits.empty() || !inside(hits.front().raw) || !inside(hits.back().raw)) return gaps;
  const char* first = hits.front().raw.data();
  gaps.open = std::string_view(begin + 1, static_cast<std::size_t>(first - begin - 1));
  const char* last_end = hits.back().raw.data() + hits.back().raw.size();
  gaps.close = std::string_view(last_end, static_cast<std::size_t>(end - 1 - last_end));
  if (hits.size() > 1 && inside(hits[1].raw)) {
    const char* first_end = first + hits.front().raw.size();
    gaps.sep =
        std::string_view(first_end, static_cast<std::size_t>(hits[1].raw.data() - first_end));
  }
  // Anything but blanks (and the one comma) means the slices are not what
  // they seem: fall back to compact output.
  auto blank = [](std::string_view g, bool comma) {
    return std::ranges::all_of(g, [&](char c) {
      return c == ' ' || c == '\n' || c == '\r' || c == '\t' || (comma && c == ',');
    });
  };
  if (!blank(gaps.open, false) || !blank(gaps.close, false) || !blank(gaps.sep, true) ||
      std::ranges::count(gaps.sep, ',') != 1) {
    return ArrayGaps{};
  }
  return gaps;
}

// `hits.hits` for the page, with the engine's array whitespace.
void writeHitsArray(std::string& out, std::string_view source,
                    const connectors::SearchResult& window, std::span<const PageHit> page,
                    std::span<const std::string> strip) {
  if (page.empty()) {
    out += window.hits.empty() ? source : std::string_view("[]");
    return;
  }
  const ArrayGaps gaps = hitsArrayGaps(source, window.hits);
  out.push_back('[');
  out += gaps.open;
  for (std::size_t i = 0; i < page.size(); ++i) {
    if (i > 0) out += gaps.sep;
    writeHit(out, page[i], strip);
  }
  out += gaps.close;
  out.push_back(']');
}

struct Rewrite {
  std::span<const PageHit> page;
  // set: the new `max_score` text ("null" or a number); unset: keep the engine's
  std::optional<std::string> max_score;
};

std::string keyPart(const detail::Member& m) {
  return std::string(m.text.substr(0, static_cast<std::size_t>(m.value.data() - m.text.data())));
}

std::string writeResponse(const ResponseParts& parts, const Rewrite& rewrite) {
  const connectors::SearchResult& window = *parts.window;
  // The parser has delimited every hit already: the scans jump over them
  // (the hits are most of the response's bytes).
  std::vector<std::string_view> hit_texts;
  hit_texts.reserve(window.hits.size());
  for (const auto& h : window.hits) hit_texts.push_back(h.raw);
  ObjectLayout top;
  if (!detail::scanObject(window.raw, top, hit_texts)) return std::string(window.raw);
  // Room for what is written: the response without the window's hits, plus
  // the page's (a page is a few of the window's hits).
  // Extra candidates' hits live in other responses' text: std::less orders
  // pointers into different buffers, which `<` does not promise to.
  std::size_t expected = window.raw.size() + 256;
  const std::less<const char*> before;
  const char* raw_end = window.raw.data() + window.raw.size();
  for (const auto& h : window.hits) {
    if (!before(h.raw.data(), window.raw.data()) && !before(raw_end, h.raw.data() + h.raw.size())) {
      expected -= h.raw.size();
    }
  }
  for (const PageHit& p : rewrite.page) expected += p.hit->raw.size() + (p.explain ? 2048 : 64);
  std::string out;
  out.reserve(expected);
  Replacements replace(top.members.size());
  std::string took_text, hits_text;
  for (std::size_t i = 0; i < top.members.size(); ++i) {
    const detail::Member& m = top.members[i];
    if (m.key == "took") {
      took_text = keyPart(m) + std::to_string(window.took + parts.extra_took_ms);
      replace[i] = std::string_view(took_text);
    } else if (m.key == "hits") {
      ObjectLayout hits;
      if (!detail::scanObject(m.value, hits, hit_texts)) continue;
      Replacements hits_replace(hits.members.size());
      std::string max_text, array_text;
      for (std::size_t j = 0; j < hits.members.size(); ++j) {
        const detail::Member& hm = hits.members[j];
        if (hm.key == "max_score" && rewrite.max_score) {
          max_text = keyPart(hm) + *rewrite.max_score;
          hits_replace[j] = std::string_view(max_text);
        } else if (hm.key == "hits") {
          array_text = keyPart(hm);
          writeHitsArray(array_text, hm.value, window, rewrite.page, parts.strip_fields);
          hits_replace[j] = std::string_view(array_text);
        }
      }
      hits_text = keyPart(m);
      detail::writeObject(hits_text, hits, hits_replace);
      replace[i] = std::string_view(hits_text);
    }
  }
  detail::writeObject(out, top, replace);
  return out;
}

}  // namespace

std::string writeSearchResponse(const ResponseParts& parts) {
  const Ranking ranking = rankWindow(parts);
  const auto [begin, end] = pageBounds(parts.from, parts.size, ranking.window_index.size());
  std::vector<PageHit> page;
  page.reserve(end - begin);
  for (std::size_t r = begin; r < end; ++r) {
    const std::size_t pos = ranking.order_pos[r];
    page.push_back(PageHit{
        .hit = &parts.window->hits[ranking.window_index[r]],
        .score = ranking.score[r],
        .explain = pos < parts.explain.size() ? &parts.explain[pos] : nullptr,
        .rank = r,
        .engine_rank = ranking.window_index[r],
    });
  }
  Rewrite rewrite{.page = page, .max_score = std::string("null")};
  if (!ranking.score.empty()) {
    rewrite.max_score->clear();
    detail::appendDouble(*rewrite.max_score, ranking.score.front());
  }
  return writeResponse(parts, rewrite);
}

std::string writeEngineOrderPage(const ResponseParts& parts) {
  const auto& hits = parts.window->hits;
  const auto [begin, end] = pageBounds(parts.from, parts.size, hits.size());
  std::vector<PageHit> page;
  page.reserve(end - begin);
  for (std::size_t i = begin; i < end; ++i) {
    page.push_back(PageHit{
        .hit = &hits[i], .score = std::nullopt, .explain = nullptr, .rank = i, .engine_rank = i});
  }
  return writeResponse(parts, Rewrite{.page = page, .max_score = std::nullopt});
}

}  // namespace rr::rerank
