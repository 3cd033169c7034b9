#include "scoring/pipeline/window_source.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <fstream>
#include <iomanip>
#include <sstream>

#include <simdjson.h>

#include "connectors/json_writer.h"
#include "scoring/tokenizer.h"

namespace rr::scoring::pipeline {

using connectors::appendJsonString;
using connectors::jsonString;

WindowSource::WindowSource(connectors::EngineClient& client, WindowSourceOptions options)
    : client_(client), options_(std::move(options)) {
  loadCache();
}

std::string WindowSource::queryClause(const std::string& query) {
  return "{\"multi_match\":{\"query\":" + jsonString(query) +
         ",\"fields\":[\"title\",\"description\",\"brand\",\"category\"]}}";
}

std::string WindowSource::queryBody(const std::string& query, int size) {
  return "{\"size\":" + std::to_string(size) + ",\"_source\":false,\"query\":" +
         queryClause(query) + "}";
}

namespace {

// The mark ensureIndexed leaves in the mappings of the indexes it creates
// (`_meta.created_by`): only those are ever deleted.
constexpr std::string_view kCreatedBy = "rerank-pipeline";

// Whether every index behind `index` carries the mark.
std::expected<bool, std::string> createdByPipeline(connectors::EngineClient& client,
                                                   const std::string& index) {
  auto mapping = client.getMapping(index);
  if (!mapping) return std::unexpected("reading its mapping: " + mapping.error().message);
  simdjson::dom::parser parser;
  simdjson::dom::object indexes;
  if (parser.parse(*mapping).get(indexes) != simdjson::SUCCESS) {
    return std::unexpected("reading its mapping: not a JSON object");
  }
  bool any = false;
  for (auto [name, body] : indexes) {
    std::string_view by;
    if (body.at_pointer("/mappings/_meta/created_by").get(by) != simdjson::SUCCESS ||
        by != kCreatedBy) {
      return false;
    }
    any = true;
  }
  return any;
}

}  // namespace

std::expected<void, std::string> WindowSource::ensureIndexed(
    const std::vector<scoring::ItemText>& catalog) {
  auto exists = client_.indexExists(options_.index);
  if (!exists) return std::unexpected(exists.error().message);
  if (*exists) {
    auto count = client_.search(options_.index, R"({"size":0,"track_total_hits":true})");
    if (!count) {
      return std::unexpected("counting the documents of '" + options_.index +
                             "': " + count.error().message);
    }
    if (count->total == catalog.size()) return {};
    // A mismatch: the catalog is indexed afresh, but only into an index
    // this pipeline made. Anyone else's index (a shop's own) is left alone.
    auto ours = createdByPipeline(client_, options_.index);
    if (!ours) return std::unexpected("index '" + options_.index + "': " + ours.error());
    if (!*ours) {
      return std::unexpected(
          "index '" + options_.index + "' holds " + std::to_string(count->total.value_or(0)) +
          " documents and the catalog " + std::to_string(catalog.size()) +
          " products; it was not created by rerank-train or rerank-eval (no _meta.created_by: " +
          std::string(kCreatedBy) + " in its mapping), so it is left as it is: give --index "
          "a name of its own, which they create and fill, or index the whole catalog into it");
    }
    if (auto del = client_.deleteIndex(options_.index); !del) {
      return std::unexpected(del.error().message);
    }
  }
  const std::string settings =
      options_.extra_settings.empty() ? "" : options_.extra_settings + ",";
  auto created = client_.createIndex(options_.index, R"({
    "settings":{)" + settings + R"("number_of_shards":1,"number_of_replicas":0},
    "mappings":{"_meta":{"created_by":")" + std::string(kCreatedBy) + R"("},
      "_source":{"excludes":["rr_vector*"]},"properties":{
      "title":{"type":"text"},"description":{"type":"text"},
      "brand":{"type":"text"},"category":{"type":"text"},
      "price":{"type":"float"}}}})");
  if (!created) return std::unexpected(created.error().message);
  std::vector<connectors::BulkOp> ops;
  auto flush = [&]() -> std::expected<void, std::string> {
    if (ops.empty()) return {};
    auto r = client_.bulk(ops);
    if (!r) return std::unexpected(r.error().message);
    if (!r->allOk()) {
      for (const auto& item : r->items) {
        if (!item.ok) {
          return std::unexpected("indexing " + item.id + " failed: " + item.error_type + ": " +
                                 item.error_reason);
        }
      }
    }
    ops.clear();
    return {};
  };
  for (const auto& item : catalog) {
    std::string doc = "{\"title\":";
    appendJsonString(doc, item.title);
    doc += ",\"description\":";
    appendJsonString(doc, item.description);
    doc += ",\"brand\":";
    appendJsonString(doc, item.brand);
    doc += ",\"category\":";
    appendJsonString(doc, item.category);
    if (item.price) doc += ",\"price\":" + std::to_string(*item.price);
    doc += "}";
    ops.push_back({.action = connectors::BulkOp::Action::kIndex,
                   .index = options_.index,
                   .id = item.id,
                   .body = std::move(doc)});
    if (ops.size() == 500) {
      if (auto r = flush(); !r) return r;
    }
  }
  if (auto r = flush(); !r) return r;
  if (auto r = client_.refresh(options_.index); !r) return std::unexpected(r.error().message);
  return {};
}

std::expected<void, std::string> WindowSource::prefetch(const std::vector<std::string>& queries,
                                                        const FetchProgress& on_batch) {
  std::vector<std::string> missing;
  std::unordered_map<std::string, bool> seen;
  for (const auto& q : queries) {
    std::string norm = Tokenizer::normalize(q);
    if (norm.empty() || windows_.count(norm) || seen[norm]) continue;
    seen[norm] = true;
    missing.push_back(norm);
  }
  if (on_batch && !missing.empty()) on_batch(0, missing.size());
  for (std::size_t start = 0; start < missing.size();
       start += static_cast<std::size_t>(options_.batch)) {
    const std::size_t end =
        std::min(missing.size(), start + static_cast<std::size_t>(options_.batch));
    std::string ndjson;
    for (std::size_t i = start; i < end; ++i) {
      ndjson += "{\"index\":" + jsonString(options_.index) + "}\n";
      ndjson += queryBody(missing[i], options_.window) + "\n";
    }
    auto r = client_.msearch(std::move(ndjson));
    if (!r) return std::unexpected(r.error().message);
    for (std::size_t i = start; i < end; ++i) {
      const auto& one = r->responses[i - start];
      if (!one) return std::unexpected("query '" + missing[i] + "': " + one.error().message);
      Window w;
      for (const auto& hit : one->hits) {
        w.push_back({std::string(hit.id), static_cast<float>(hit.score.value_or(0.0))});
      }
      appendCache(missing[i], w);
      windows_[missing[i]] = std::move(w);
    }
    if (on_batch) on_batch(end, missing.size());
  }
  return {};
}

const Window& WindowSource::window(const std::string& normalized_query) const {
  auto it = windows_.find(normalized_query);
  return it == windows_.end() ? empty_ : it->second;
}

// Cache format, one query per line: query<TAB>id:score<SPACE>id:score...
// The first line names the index and window size; a different one is ignored.
// In ids, '%', space, tab, CR and LF are written %25, %20, %09, %0D, %0A (the
// query is normalized: no tabs or line breaks). A line that does not read
// back whole (a run stopped mid-write leaves a last line without its newline)
// is skipped: that query is fetched again.
namespace {

// The characters an id may not hold raw in the cache, and their codes.
constexpr std::string_view kRaw = "% \t\r\n";
constexpr std::array<std::string_view, 5> kCodes = {"%25", "%20", "%09", "%0D", "%0A"};

std::string escapeId(const std::string& id) {
  if (id.find_first_of(kRaw) == std::string::npos) return id;
  std::string out;
  for (char c : id) {
    const std::size_t k = kRaw.find(c);
    if (k == std::string_view::npos) {
      out += c;
    } else {
      out += kCodes[k];
    }
  }
  return out;
}

std::string unescapeId(std::string_view id) {
  std::string out;
  for (std::size_t i = 0; i < id.size(); ++i) {
    if (id[i] == '%') {
      const auto code = std::find(kCodes.begin(), kCodes.end(), id.substr(i, 3));
      if (code != kCodes.end()) {
        out += kRaw[static_cast<std::size_t>(code - kCodes.begin())];
        i += 2;
        continue;
      }
    }
    out += id[i];
  }
  return out;
}

// "id:score id:score " into `w`; false when any pair does not read.
bool parseWindow(std::string_view list, Window& w) {
  std::size_t at = 0;
  while (at < list.size()) {
    const std::size_t end = list.find(' ', at);
    if (end == std::string_view::npos) return false;  // every pair ends with a space
    const std::string_view pair = list.substr(at, end - at);
    at = end + 1;
    if (pair.empty()) continue;
    const std::size_t colon = pair.rfind(':');
    if (colon == std::string_view::npos || colon == 0) return false;
    float score = 0;
    const std::string_view number = pair.substr(colon + 1);
    const auto [ptr, ec] = std::from_chars(number.data(), number.data() + number.size(), score);
    if (number.empty() || ec != std::errc{} || ptr != number.data() + number.size()) return false;
    w.push_back({unescapeId(pair.substr(0, colon)), score});
  }
  return true;
}

}  // namespace

void WindowSource::loadCache() {
  if (options_.cache_file.empty()) return;
  std::ifstream in(options_.cache_file);
  std::string line;
  const std::string header = "#windows index=" + options_.index + " size=" +
                             std::to_string(options_.window);
  if (!std::getline(in, line) || line != header) return;
  while (std::getline(in, line)) {
    if (in.eof()) {  // no newline: the write was cut short
      cut_short_ = true;
      break;
    }
    const auto tab = line.find('\t');
    if (tab == std::string::npos) continue;
    Window w;
    if (!parseWindow(std::string_view(line).substr(tab + 1), w)) continue;
    windows_[line.substr(0, tab)] = std::move(w);
  }
}

void WindowSource::appendCache(const std::string& query, const Window& w) {
  if (options_.cache_file.empty()) return;
  const std::string header = "#windows index=" + options_.index + " size=" +
                             std::to_string(options_.window);
  std::ifstream probe(options_.cache_file);
  std::string first;
  const bool fresh = !std::getline(probe, first) || first != header;
  std::ofstream out(options_.cache_file, fresh ? std::ios::trunc : std::ios::app);
  if (fresh) out << header << "\n";
  if (!fresh && cut_short_) out << '\n';  // end the cut line, not append to it
  cut_short_ = false;
  // 9 significant digits: a float read back is the float written, so a
  // replay from the cache sees exactly what the engine answered.
  out << std::setprecision(9) << query << '\t';
  for (const auto& s : w) out << escapeId(s.id) << ':' << s.score << ' ';
  out << '\n';
}

}  // namespace rr::scoring::pipeline
