#include "index_sync/mapping_facts.h"

#include <simdjson.h>

#include <algorithm>
#include <string_view>

namespace rr::index_sync {

connectors::Result<MappingFacts> readMapping(connectors::EngineClient& client,
                                             const std::string& index,
                                             const VectorFields& fields,
                                             const std::vector<std::string>& read_fields) {
  auto isRead = [&](std::string_view top) {
    return std::any_of(read_fields.begin(), read_fields.end(), [&](const std::string& f) {
      return std::string_view(f).substr(0, f.find('.')) == top;
    });
  };
  auto mapping = client.getMapping(index);
  if (!mapping) return std::unexpected(mapping.error());
  simdjson::padded_string padded(*mapping);
  simdjson::ondemand::parser parser;
  simdjson::ondemand::document doc;
  simdjson::ondemand::object indices;
  if (parser.iterate(padded).get(doc) || doc.get_object().get(indices)) {
    return connectors::makeError(connectors::ErrorCode::kBadResponse, "mapping: not a JSON object");
  }
  MappingFacts facts;
  std::size_t seen = 0;
  for (auto entry : indices) {
    ++seen;
    std::vector<std::string> patterns;
    std::vector<std::string> unread;  // top-level properties the pass does not read
    bool has_vector = false, has_meta = false, has_knn = false;
    bool dynamic = true;
    simdjson::ondemand::object mappings;
    if (!entry.value()["mappings"].get_object().get(mappings)) {
      // On Demand reads fields in document order: `_source` comes before
      // `properties` in what the engine writes, but do not rely on it.
      for (auto field : mappings) {
        std::string_view key;
        if (field.unescaped_key().get(key)) continue;
        if (key == "_source") {
          simdjson::ondemand::array excludes;
          if (!field.value()["excludes"].get_array().get(excludes)) {
            for (auto p : excludes) {
              std::string_view s;
              if (!p.get_string().get(s)) patterns.emplace_back(s);
            }
          }
        } else if (key == "dynamic") {
          // true (the default) or strict keep every `_source` field mapped;
          // false and runtime do not.
          std::string_view d;
          bool b = true;
          if (!field.value().get_string().get(d)) {
            dynamic = d == "true" || d == "strict";
          } else if (!field.value().get_bool().get(b)) {
            dynamic = b;
          }
        } else if (key == "properties") {
          simdjson::ondemand::object props;
          if (field.value().get_object().get(props)) continue;
          for (auto prop : props) {
            std::string_view name;
            if (prop.unescaped_key().get(name)) continue;
            if (!isRead(name)) unread.emplace_back(name);
            if (name == fields.vector) has_vector = true;
            if (name == fields.meta) has_meta = true;
            if (name == fields.knn) {
              std::string_view type;
              has_knn = !prop.value()["type"].get_string().get(type) && type == "knn_vector";
            }
          }
        }
      }
    }
    for (const auto* field : {&fields.vector, &fields.meta, &fields.knn}) {
      const bool hit = std::any_of(patterns.begin(), patterns.end(), [&](const auto& p) {
        return matchesExcludePattern(p, *field);
      });
      if (!hit) facts.excluded = false;
    }
    const bool all_read = std::all_of(unread.begin(), unread.end(), [&](const auto& name) {
      return std::any_of(patterns.begin(), patterns.end(),
                         [&](const auto& p) { return matchesExcludePattern(p, name); });
    });
    if (!dynamic || !all_read) facts.only_read_fields = false;
    if (!has_vector || !has_meta) facts.stored = false;
    if (!has_knn) facts.knn = false;
  }
  if (seen == 0) return connectors::makeError(connectors::ErrorCode::kInvalidArgument, "no such index: " + index);
  if (!facts.stored) facts.knn = false;
  return facts;
}

}  // namespace rr::index_sync
