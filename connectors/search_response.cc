#include "connectors/search_response.h"

#include <algorithm>

#include "connectors/detail/json_reader.h"

namespace rr::connectors {
namespace {

using detail::jsonError;
namespace od = simdjson::ondemand;

// The parser is reused per thread: it keeps its internal buffers between
// calls, which is most of simdjson's speed on small documents.
od::parser& threadParser() {
  thread_local od::parser parser;
  return parser;
}

// Paths are built only when something fails: this runs once per hit.
std::string hitPath(std::string_view hits_path, std::size_t i,
                    std::string_view leaf = {}) {
  return std::string(hits_path) + "[" + std::to_string(i) + "]" +
         std::string(leaf);
}

bool isPlainInteger(std::string_view t) {
  if (t == "-0") return false;  // a DOM may write it back as 0 or -0.0
  if (!t.empty() && t.front() == '-') t.remove_prefix(1);
  if (t.empty() || t.size() > 18 || (t.front() == '0' && t.size() > 1)) return false;
  return std::all_of(t.begin(), t.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// `_source` walked member by member, reading the ones named in `keys` (the
// first of a repeated key, as a DOM lookup would) and skipping the rest;
// `hit.source` is its raw slice all the same.
simdjson::error_code readSourceMembers(od::document& doc, od::value value, ResponseBuffer& buf,
                                       std::span<const std::string_view> keys, Hit& hit) {
  od::json_type type;
  if (auto err = value.type().get(type)) return err;
  if (type != od::json_type::object) return detail::readRawContainer(value, hit.source);
  const char* start = value.raw_json_token().data();
  od::object obj;
  if (auto err = value.get_object().get(obj)) return err;
  bool simple = true;
  unsigned seen = 0;
  for (auto field : obj) {
    std::string_view key;
    if (auto err = field.unescaped_key().get(key)) return err;
    std::size_t j = 0;
    while (j < keys.size() && (keys[j].empty() || keys[j] != key)) ++j;
    if (j == keys.size() || (seen >> j & 1u)) continue;  // skipped unread
    seen |= 1u << j;
    od::value v;
    if (auto err = field.value().get(v)) return err;
    od::json_type t;
    if (auto err = v.type().get(t)) return err;
    if (t == od::json_type::string) {
      if (auto err = detail::readString(v, buf, hit.source_values[j])) return err;
      hit.source_kinds[j] = Hit::SourceKind::kString;
    } else if (t == od::json_type::number) {
      const std::string_view token = detail::trimRight(v.raw_json_token());
      // A number the DOM refuses (beyond 64-bit integers, or a double's
      // range) makes the caller's DOM read of `_source` fail: so must this.
      od::number n;
      if (v.get_number().get(n)) simple = false;
      hit.source_values[j] = token;
      hit.source_kinds[j] =
          isPlainInteger(token) ? Hit::SourceKind::kInteger : Hit::SourceKind::kNumber;
    } else if (t == od::json_type::array || t == od::json_type::object) {
      simple = false;
    }
  }
  const char* end = nullptr;
  if (auto err = doc.current_location().get(end)) return err;
  hit.source = detail::trimRight(std::string_view(start, static_cast<std::size_t>(end - start)));
  if (hit.source.empty() || hit.source.back() != '}') return simdjson::TAPE_ERROR;
  hit.source_read = simple;
  return simdjson::SUCCESS;
}

Result<void> parseHit(od::document& doc, od::value value, ResponseBuffer& buf,
                      std::span<const std::string_view> source_keys, Hit& hit,
                      std::string_view hits_path, std::size_t i) {
  // The hit's raw slice runs from its '{' to where the iterator stands once
  // every field was read: one pass, no second walk over the object.
  const char* start = value.raw_json_token().data();
  od::object obj;
  RR_TRY_JSON(value.get_object().get(obj), hitPath(hits_path, i));
  for (auto field : obj) {
    od::raw_json_string key;
    RR_TRY_JSON(field.key().get(key), hitPath(hits_path, i));
    od::value v;
    RR_TRY_JSON(field.value().get(v), hitPath(hits_path, i));
    if (key == "_id") {
      RR_TRY_JSON(detail::readString(v, buf, hit.id), hitPath(hits_path, i, "._id"));
    } else if (key == "_index") {
      RR_TRY_JSON(detail::readString(v, buf, hit.index),
                  hitPath(hits_path, i, "._index"));
    } else if (key == "_score") {
      RR_TRY_JSON(detail::readNullableDouble(v, hit.score),
                  hitPath(hits_path, i, "._score"));
    } else if (key == "_source") {
      RR_TRY_JSON(source_keys.empty() ? detail::readRawContainer(v, hit.source)
                                      : readSourceMembers(doc, v, buf, source_keys, hit),
                  hitPath(hits_path, i, "._source"));
    } else if (key == "sort") {
      RR_TRY_JSON(detail::readRawContainer(v, hit.sort),
                  hitPath(hits_path, i, ".sort"));
    } else if (key == "fields") {
      RR_TRY_JSON(detail::readRawContainer(v, hit.fields),
                  hitPath(hits_path, i, ".fields"));
    } else if (key == "_seq_no") {
      int64_t n = 0;
      RR_TRY_JSON(v.get_int64().get(n), hitPath(hits_path, i, "._seq_no"));
      hit.seq_no = n;
    } else if (key == "_primary_term") {
      int64_t n = 0;
      RR_TRY_JSON(v.get_int64().get(n), hitPath(hits_path, i, "._primary_term"));
      hit.primary_term = n;
    }
  }
  const char* end = nullptr;
  RR_TRY_JSON(doc.current_location().get(end), hitPath(hits_path, i));
  hit.raw = detail::trimRight(std::string_view(start, static_cast<std::size_t>(end - start)));
  if (hit.raw.empty() || hit.raw.back() != '}') {
    return std::unexpected(jsonError(hitPath(hits_path, i), "unterminated object"));
  }
  if (hit.id.empty() && hit.index.empty()) {
    return std::unexpected(
        jsonError(hitPath(hits_path, i), "hit has neither _id nor _index"));
  }
  return {};
}

Result<void> parseHits(od::document& doc, od::value value, ResponseBuffer& buf,
                       std::span<const std::string_view> source_keys, SearchResult& out,
                       const std::string& path) {
  od::object obj;
  RR_TRY_JSON(value.get_object().get(obj), path);
  for (auto field : obj) {
    std::string_view key;
    RR_TRY_JSON(field.unescaped_key().get(key), path);
    od::value v;
    RR_TRY_JSON(field.value().get(v), path + "." + std::string(key));
    if (key == "total") {
      od::json_type type;
      RR_TRY_JSON(v.type().get(type), path + ".total");
      if (type == od::json_type::number) {
        uint64_t n = 0;
        RR_TRY_JSON(v.get_uint64().get(n), path + ".total");
        out.total = n;
        continue;
      }
      od::object total;
      RR_TRY_JSON(v.get_object().get(total), path + ".total");
      for (auto tf : total) {
        std::string_view tkey;
        RR_TRY_JSON(tf.unescaped_key().get(tkey), path + ".total");
        if (tkey == "value") {
          uint64_t n = 0;
          RR_TRY_JSON(tf.value().get_uint64().get(n), path + ".total.value");
          out.total = n;
        } else if (tkey == "relation") {
          od::value rv;
          RR_TRY_JSON(tf.value().get(rv), path + ".total.relation");
          RR_TRY_JSON(detail::readString(rv, buf, out.total_relation),
                      path + ".total.relation");
        }
      }
    } else if (key == "max_score") {
      RR_TRY_JSON(detail::readNullableDouble(v, out.max_score),
                  path + ".max_score");
    } else if (key == "hits") {
      const std::string hits_path = path + ".hits";
      od::array arr;
      RR_TRY_JSON(v.get_array().get(arr), hits_path);
      std::size_t i = 0;
      for (auto element : arr) {
        od::value hv;
        RR_TRY_JSON(element.get(hv), hitPath(hits_path, i));
        auto r = parseHit(doc, hv, buf, source_keys, out.hits.emplace_back(), hits_path, i);
        if (!r) return r;
        ++i;
      }
    }
  }
  return {};
}

// Reads one search response object (top level, or an `_msearch` item).
// An item that is an engine error comes back as kEngineError.
Result<void> parseSearchObject(od::document& doc, od::object obj, ResponseBuffer& buf,
                               std::span<const std::string_view> source_keys,
                               SearchResult& out, const std::string& path) {
  std::optional<Error> engine_error;
  const std::string prefix = path.empty() ? "" : path + ".";  // once per response
  for (auto field : obj) {
    std::string_view key;
    RR_TRY_JSON(field.unescaped_key().get(key), path);
    od::value v;
    RR_TRY_JSON(field.value().get(v), prefix + std::string(key));
    if (key == "took") {
      RR_TRY_JSON(v.get_int64().get(out.took), prefix + "took");
    } else if (key == "timed_out") {
      RR_TRY_JSON(v.get_bool().get(out.timed_out), prefix + "timed_out");
    } else if (key == "_shards") {
      RR_TRY_JSON(detail::readRawContainer(v, out.shards), prefix + "_shards");
    } else if (key == "hits") {
      auto r = parseHits(doc, v, buf, source_keys, out, prefix + "hits");
      if (!r) return r;
    } else if (key == "aggregations") {
      RR_TRY_JSON(detail::readRawContainer(v, out.aggregations),
                  prefix + "aggregations");
    } else if (key == "_scroll_id") {
      RR_TRY_JSON(detail::readString(v, buf, out.scroll_id), prefix + "_scroll_id");
    } else if (key == "pit_id") {
      RR_TRY_JSON(detail::readString(v, buf, out.pit_id), prefix + "pit_id");
    } else if (key == "status") {
      int64_t status = 0;
      RR_TRY_JSON(v.get_int64().get(status), prefix + "status");
      out.status = static_cast<int>(status);
    } else if (key == "error") {
      engine_error.emplace();
      RR_TRY_JSON(detail::readEngineErrorObject(v, *engine_error), prefix + "error");
    }
  }
  if (engine_error) {
    Error e = detail::engineError(out.status == 200 ? 500 : out.status,
                                  out.raw);
    return std::unexpected(std::move(e));
  }
  return {};
}

Result<od::document> iterate(ResponseBuffer& buf) {
  od::document doc;
  if (auto err = threadParser()
                     .iterate(buf.body.data(), buf.body.size(),
                              buf.body.capacity())
                     .get(doc)) {
    return std::unexpected(jsonError("", err));
  }
  return doc;
}

}  // namespace

Result<SearchResponse> parseSearchResponse(std::string body,
                                           std::span<const std::string_view> source_keys) {
  if (source_keys.size() > kMaxSourceKeys) source_keys = source_keys.first(kMaxSourceKeys);
  if (std::all_of(source_keys.begin(), source_keys.end(),
                  [](std::string_view k) { return k.empty(); })) {
    source_keys = {};  // nothing asked: hits are not marked as read
  }
  auto buf = std::make_shared<ResponseBuffer>();
  buf->body = std::move(body);
  detail::ensurePadding(buf->body);
  SearchResponse out;
  out.raw = detail::trimRight(buf->body);
  {
    auto doc = iterate(*buf);
    if (!doc) return std::unexpected(doc.error());
    od::object obj;
    RR_TRY_JSON(doc->get_object().get(obj), "");
    auto r = parseSearchObject(*doc, obj, *buf, source_keys, out, "");
    // A malformed body is a bad response even when it began like an error.
    if (!r && r.error().code == ErrorCode::kBadResponse) return std::unexpected(r.error());
    auto end = detail::expectEnd(*doc);
    if (!end) return std::unexpected(end.error());
    if (!r) return std::unexpected(r.error());
  }
  out.buffer = std::move(buf);
  return out;
}

Result<MsearchResponse> parseMsearchResponse(std::string body) {
  auto buf = std::make_shared<ResponseBuffer>();
  buf->body = std::move(body);
  detail::ensurePadding(buf->body);
  MsearchResponse out;
  auto doc = iterate(*buf);
  if (!doc) return std::unexpected(doc.error());
  od::object top;
  RR_TRY_JSON(doc->get_object().get(top), "");
  bool saw_responses = false;
  for (auto field : top) {
    std::string_view key;
    RR_TRY_JSON(field.unescaped_key().get(key), "");
    if (key == "took") {
      RR_TRY_JSON(field.value().get_int64().get(out.took), "took");
    } else if (key == "responses") {
      saw_responses = true;
      od::array arr;
      RR_TRY_JSON(field.value().get_array().get(arr), "responses");
      std::size_t i = 0;
      for (auto element : arr) {
        std::string path = "responses[" + std::to_string(i++) + "]";
        od::object item;
        RR_TRY_JSON(element.get_object().get(item), path);
        SearchResult result;
        std::string_view raw;
        RR_TRY_JSON(item.raw_json().get(raw), path);
        result.raw = detail::trimRight(raw);
        bool nonempty = false;
        RR_TRY_JSON(item.reset().get(nonempty), path);
        auto r = parseSearchObject(*doc, item, *buf, {}, result, path);
        if (r) {
          out.responses.emplace_back(std::move(result));
        } else if (r.error().code == ErrorCode::kBadResponse) {
          return std::unexpected(r.error());
        } else {
          out.responses.emplace_back(std::unexpected(r.error()));
        }
      }
    }
  }
  if (!saw_responses) {
    return std::unexpected(jsonError("responses", "missing"));
  }
  auto end = detail::expectEnd(*doc);
  if (!end) return std::unexpected(end.error());
  out.buffer = std::move(buf);
  return out;
}

}  // namespace rr::connectors
