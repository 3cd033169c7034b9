#include "connectors/search_response.h"

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

Result<void> parseHit(od::value value, ResponseBuffer& buf, Hit& hit,
                      const std::string& path) {
  od::object obj;
  RR_TRY_JSON(value.get_object().get(obj), path);
  std::string_view raw;
  RR_TRY_JSON(obj.raw_json().get(raw), path);
  hit.raw = detail::trimRight(raw);
  bool nonempty = false;
  RR_TRY_JSON(obj.reset().get(nonempty), path);
  for (auto field : obj) {
    od::raw_json_string key;
    RR_TRY_JSON(field.key().get(key), path);
    od::value v;
    RR_TRY_JSON(field.value().get(v), path);
    if (key == "_id") {
      RR_ASSIGN(hit.id, detail::readString(v, buf, path + "._id"));
    } else if (key == "_index") {
      RR_ASSIGN(hit.index, detail::readString(v, buf, path + "._index"));
    } else if (key == "_score") {
      RR_ASSIGN(hit.score, detail::readNullableDouble(v, path + "._score"));
    } else if (key == "_source") {
      RR_ASSIGN(hit.source, detail::readRawContainer(v, path + "._source"));
    } else if (key == "sort") {
      RR_ASSIGN(hit.sort, detail::readRawContainer(v, path + ".sort"));
    }
  }
  if (hit.id.empty() && hit.index.empty()) {
    return std::unexpected(jsonError(path, "hit has neither _id nor _index"));
  }
  return {};
}

Result<void> parseHits(od::value value, ResponseBuffer& buf, SearchResult& out,
                       const std::string& path) {
  od::object obj;
  RR_TRY_JSON(value.get_object().get(obj), path);
  for (auto field : obj) {
    std::string_view key;
    RR_TRY_JSON(field.unescaped_key().get(key), path);
    od::value v;
    RR_TRY_JSON(field.value().get(v), path);
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
          RR_ASSIGN(out.total_relation,
                    detail::readString(rv, buf, path + ".total.relation"));
        }
      }
    } else if (key == "max_score") {
      RR_ASSIGN(out.max_score, detail::readNullableDouble(v, path + ".max_score"));
    } else if (key == "hits") {
      od::array arr;
      RR_TRY_JSON(v.get_array().get(arr), path + ".hits");
      std::size_t i = 0;
      for (auto element : arr) {
        std::string hit_path = path + ".hits[" + std::to_string(i++) + "]";
        od::value hv;
        RR_TRY_JSON(element.get(hv), hit_path);
        Hit& hit = out.hits.emplace_back();
        auto r = parseHit(hv, buf, hit, hit_path);
        if (!r) return r;
      }
    }
  }
  return {};
}

// Reads one search response object (top level, or an `_msearch` item).
// An item that is an engine error comes back as kEngineError.
Result<void> parseSearchObject(od::object obj, ResponseBuffer& buf,
                               SearchResult& out, const std::string& path) {
  std::optional<Error> engine_error;
  const std::string prefix = path.empty() ? "" : path + ".";
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
      RR_ASSIGN(out.shards, detail::readRawContainer(v, prefix + "_shards"));
    } else if (key == "hits") {
      auto r = parseHits(v, buf, out, prefix + "hits");
      if (!r) return r;
    } else if (key == "aggregations") {
      RR_ASSIGN(out.aggregations,
                detail::readRawContainer(v, prefix + "aggregations"));
    } else if (key == "_scroll_id") {
      RR_ASSIGN(out.scroll_id, detail::readString(v, buf, prefix + "_scroll_id"));
    } else if (key == "pit_id") {
      RR_ASSIGN(out.pit_id, detail::readString(v, buf, prefix + "pit_id"));
    } else if (key == "status") {
      int64_t status = 0;
      RR_TRY_JSON(v.get_int64().get(status), prefix + "status");
      out.status = static_cast<int>(status);
    } else if (key == "error") {
      engine_error.emplace();
      detail::readEngineErrorObject(v, *engine_error);
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

Result<SearchResponse> parseSearchResponse(std::string body) {
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
    auto r = parseSearchObject(obj, *buf, out, "");
    if (!r) return std::unexpected(r.error());
    auto end = detail::expectEnd(*doc);
    if (!end) return std::unexpected(end.error());
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
        auto r = parseSearchObject(item, *buf, result, path);
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
