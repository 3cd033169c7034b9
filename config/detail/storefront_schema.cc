#include "config/detail/storefront_schema.h"

#include <string>
#include <utility>

#include "config/detail/rules.h"

namespace rr::config::detail {
namespace {

bool readIdSource(Reader& r, const Field& f, IdSource& out) {
  if (!f.node.IsNull() && !f.node.IsMap()) {
    return r.fail(f, "expected a mapping with one of header, cookie, body, got " +
                         describeNode(f.node));
  }
  IdSource source;
  const auto one = [&](IdSource::Kind kind) {
    return [&r, &source, kind](const Field& x) {
      if (source.kind != IdSource::Kind::kNone) {
        return r.fail(x, "give exactly one of header, cookie, body");
      }
      std::string name;
      if (!r.readString(x, name, isHttpToken,
                        "expected a name of letters, digits and !#$%&'*+-.^_`|~")) {
        return false;
      }
      source = IdSource{kind, std::move(name)};
      return true;
    };
  };
  if (!r.readMap(f, {
                        {"header", one(IdSource::Kind::kHeader)},
                        {"cookie", one(IdSource::Kind::kCookie)},
                        {"body", one(IdSource::Kind::kBody)},
                    })) {
    return false;
  }
  if (source.kind == IdSource::Kind::kNone) return r.fail(f, "needs one of header, cookie, body");
  out = std::move(source);
  return true;
}

bool readFields(Reader& r, const Field& f, FieldMap& m) {
  const auto name = [&r](std::string& slot) {
    return [&r, &slot](const Field& x) {
      return r.readString(x, slot, isFieldName, "expected a field name (non-empty, no spaces)");
    };
  };
  return r.readMap(f, {
                          {"id", name(m.id)},
                          {"title", name(m.title)},
                          {"description", name(m.description)},
                          {"brand", name(m.brand)},
                          {"category", name(m.category)},
                          {"price", name(m.price)},
                          {"updated_at", name(m.updated_at)},
                      });
}

bool readVector(Reader& r, const Field& f, VectorConfig& v) {
  return r.readMap(
      f, {
             {"field",
              [&](const Field& x) {
                return r.readString(x, v.field, isVectorField,
                                    "expected [a-z][a-z0-9_]* of at most 48 characters");
              }},
             {"mode",
              [&](const Field& x) {
                std::string mode;
                if (!r.readString(x, mode)) return false;
                if (mode == "auto") {
                  v.mode = VectorConfig::Mode::kAuto;
                } else if (mode == "knn") {
                  v.mode = VectorConfig::Mode::kKnn;
                } else if (mode == "stored") {
                  v.mode = VectorConfig::Mode::kStored;
                } else {
                  return r.fail(x, "must be auto, knn or stored, got " + inQuotes(mode));
                }
                return true;
              }},
         });
}

bool readExtraCandidates(Reader& r, const Field& f, ExtraCandidates& e) {
  return r.readMap(f, {
                          {"enabled", [&](const Field& x) { return r.readBool(x, e.enabled); }},
                          {"k", [&](const Field& x) { return r.readInt(x, 1, 200, e.k); }},
                          {"on_empty", [&](const Field& x) { return r.readBool(x, e.on_empty); }},
                          {"clicked", [&](const Field& x) { return r.readInt(x, 0, 100, e.clicked); }},
                      });
}

bool readSync(Reader& r, const Field& f, SyncConfig& s) {
  return r.readMap(
      f, {
             {"batch_size", [&](const Field& x) { return r.readInt(x, 1, 10'000, s.batch_size); }},
             {"concurrency", [&](const Field& x) { return r.readInt(x, 1, 64, s.concurrency); }},
             {"page_size", [&](const Field& x) { return r.readInt(x, 1, 10'000, s.page_size); }},
             {"interval_s",
              [&](const Field& x) { return r.readSeconds(x, 1, 86'400, s.interval); }},
         });
}

bool readPassthrough(Reader& r, const Field& f, std::vector<ApiRule>& out) {
  out.clear();
  return r.readList(f, [&](const Field& x) {
    std::string text;
    if (!r.readString(x, text)) return false;
    ApiRule rule;
    if (std::string why = parseApiRule(text, rule); !why.empty()) return r.fail(x, why);
    out.push_back(std::move(rule));
    return true;
  });
}

}  // namespace

bool readStorefront(Reader& r, const Field& f, std::string_view baseDir,
                    const std::vector<StorefrontConfig>& previous, StorefrontConfig& sf) {
  bool hasPassthrough = false;
  const auto index = [&](std::string_view name) {
    for (std::size_t i = 0; i < previous.size(); ++i) {
      if (previous[i].name == name) return i;
    }
    return previous.size();
  };
  const bool ok = r.readMap(
      f,
      {
          {"name",
           [&](const Field& x) {
             if (!r.readString(x, sf.name, isStorefrontName, "expected [a-z0-9][a-z0-9_-]*")) {
               return false;
             }
             if (const std::size_t i = index(sf.name); i < previous.size()) {
               return r.fail(x, "duplicate storefront name " + inQuotes(sf.name) +
                                    " (also storefronts[" + std::to_string(i) + "])");
             }
             return true;
           }},
          {"enabled", [&](const Field& x) { return r.readBool(x, sf.enabled); }},
          {"indices",
           [&](const Field& x) {
             return r.readList(x, [&](const Field& item) {
               std::string name;
               if (!r.readString(item, name, isIndexPattern,
                                 "expected an index name or pattern (letters, digits, - _ . *)")) {
                 return false;
               }
               sf.indices.push_back(std::move(name));
               return true;
             });
           }},
          {"host",
           [&](const Field& x) {
             std::string host;
             if (!r.readString(x, host, isHostName,
                               "expected a host name without a port (letters, digits, - .)")) {
               return false;
             }
             sf.host = toLower(std::move(host));
             for (std::size_t i = 0; i < previous.size(); ++i) {
               if (previous[i].host == sf.host) {
                 return r.fail(x, "host " + inQuotes(sf.host) + " is already used by storefronts[" +
                                      std::to_string(i) + "]");
               }
             }
             return true;
           }},
          {"window", [&](const Field& x) { return r.readInt(x, 1, 1000, sf.window); }},
          {"deadline_ms", [&](const Field& x) { return r.readMillis(x, 1, 60'000, sf.deadline); }},
          {"user_id", [&](const Field& x) { return readIdSource(r, x, sf.user_id); }},
          {"session_id", [&](const Field& x) { return readIdSource(r, x, sf.session_id); }},
          {"model",
           [&](const Field& x) {
             std::string model;
             if (!r.readString(x, model)) return false;
             if (model.empty()) return r.fail(x, "expected a model file path, got ''");
             sf.model = resolvePath(baseDir, model);
             return true;
           }},
          {"sync_index",
           [&](const Field& x) {
             return r.readString(x, sf.sync_index, isPlainIndexName,
                                 "expected a plain index name (letters, digits, - _ .; no '*')");
           }},
          {"fields", [&](const Field& x) { return readFields(r, x, sf.fields); }},
          {"vector", [&](const Field& x) { return readVector(r, x, sf.vector); }},
          {"extra_candidates",
           [&](const Field& x) { return readExtraCandidates(r, x, sf.extra_candidates); }},
          {"ab_test",
           [&](const Field& x) {
             return r.readMap(
                 x, {
                        {"treatment_percent",
                         [&](const Field& y) {
                           return r.readInt(y, 0, 100, sf.ab_test.treatment_percent);
                         }},
                        {"salt", [&](const Field& y) { return r.readString(y, sf.ab_test.salt); }},
                    });
           }},
          {"passthrough",
           [&](const Field& x) {
             hasPassthrough = true;
             return readPassthrough(r, x, sf.passthrough);
           }},
          {"page_consistency_s",
           [&](const Field& x) { return r.readSeconds(x, 0, 86'400, sf.page_consistency); }},
          {"live_click_stats",
           [&](const Field& x) { return r.readBool(x, sf.live_click_stats); }},
          {"sync", [&](const Field& x) { return readSync(r, x, sf.sync); }},
      });
  if (!ok) return false;
  if (sf.name.empty()) return r.fail(childPath(f.path, "name"), f.line, "is required");
  if (sf.model.empty()) return r.fail(childPath(f.path, "model"), f.line, "is required");
  if (sf.indices.empty() && sf.host.empty()) {
    return r.fail(childPath(f.path, "indices"), f.line,
                  "give indices, host or both: nothing would select this storefront");
  }
  if (sf.sync_index.empty()) {
    if (sf.indices.empty()) {
      return r.fail(childPath(f.path, "sync_index"), f.line,
                    "is required when no indices are given");
    }
    if (sf.indices.front().find('*') != std::string::npos) {
      return r.fail(childPath(f.path, "sync_index"), f.line,
                    "is required because indices[0] (" + inQuotes(sf.indices.front()) +
                        ") is a pattern");
    }
    sf.sync_index = sf.indices.front();
  }
  if (!hasPassthrough) sf.passthrough = defaultPassthrough();
  return true;
}

}  // namespace rr::config::detail
