#include "index_sync/sync_state.h"

#include <simdjson.h>

#include "connectors/json_writer.h"

namespace rr::index_sync {
namespace {

namespace od = simdjson::ondemand;
using connectors::appendJsonString;

void appendVersion(std::string& out, const char* key, const std::optional<VersionState>& v) {
  out += ",\"";
  out += key;
  out += "\":";
  if (!v) {
    out += "null";
    return;
  }
  out += "{\"version\":";
  appendJsonString(out, v->version);
  out += ",\"field\":";
  appendJsonString(out, v->field);
  out += ",\"dim\":" + std::to_string(v->dim);
  out += ",\"knn\":";
  out += v->knn ? "true" : "false";
  out += ",\"at_ms\":" + std::to_string(v->at_ms) + "}";
}

simdjson::error_code readVersion(od::value value, std::optional<VersionState>& out) {
  if (value.is_null()) {
    out.reset();
    return simdjson::SUCCESS;
  }
  od::object obj;
  if (auto err = value.get_object().get(obj)) return err;
  VersionState v;
  std::string_view s;
  int64_t n = 0;
  if (auto err = obj["version"].get_string().get(s)) return err;
  v.version = std::string(s);
  if (auto err = obj["field"].get_string().get(s)) return err;
  v.field = std::string(s);
  if (auto err = obj["dim"].get_int64().get(n)) return err;
  v.dim = static_cast<int>(n);
  if (auto err = obj["knn"].get_bool().get(v.knn)) return err;
  if (auto err = obj["at_ms"].get_int64().get(v.at_ms)) return err;
  out = std::move(v);
  return simdjson::SUCCESS;
}

connectors::Error stateError(std::string message) {
  return connectors::makeError(connectors::ErrorCode::kBadResponse, std::move(message)).error();
}

}  // namespace

std::string stateToJson(const SyncState& state) {
  std::string out = "{\"index\":";
  appendJsonString(out, state.index);
  appendVersion(out, "active", state.active);
  appendVersion(out, "building", state.building);
  out += ",\"checkpoint_ms\":";
  out += state.checkpoint_ms ? std::to_string(*state.checkpoint_ms) : "null";
  out += ",\"checkpoint_version\":";
  appendJsonString(out, state.checkpoint_version);
  out += "}";
  return out;
}

std::expected<SyncState, std::string> stateFromJson(std::string_view json) {
  simdjson::padded_string padded(json);
  od::parser parser;
  od::document doc;
  od::object obj;
  SyncState state;
  if (parser.iterate(padded).get(doc) || doc.get_object().get(obj)) {
    return std::unexpected("sync state: not a JSON object");
  }
  for (auto field : obj) {
    std::string_view key;
    od::value v;
    if (field.unescaped_key().get(key) || field.value().get(v)) {
      return std::unexpected("sync state: unreadable");
    }
    simdjson::error_code err = simdjson::SUCCESS;
    if (key == "index") {
      std::string_view s;
      err = v.get_string().get(s);
      state.index = std::string(s);
    } else if (key == "active") {
      err = readVersion(v, state.active);
    } else if (key == "building") {
      err = readVersion(v, state.building);
    } else if (key == "checkpoint_ms") {
      if (v.is_null()) {
        state.checkpoint_ms.reset();
      } else {
        int64_t n = 0;
        err = v.get_int64().get(n);
        state.checkpoint_ms = n;
      }
    } else if (key == "checkpoint_version") {
      std::string_view s;
      err = v.get_string().get(s);
      state.checkpoint_version = std::string(s);
    }
    if (err) {
      return std::unexpected("sync state: field '" + std::string(key) +
                             "': " + simdjson::error_message(err));
    }
  }
  return state;
}

connectors::Result<void> StateStore::ensureIndex() {
  auto exists = client_.indexExists(index_);
  if (!exists) return std::unexpected(exists.error());
  if (*exists) return {};
  auto created = client_.createIndex(
      index_,
      R"({"settings":{"number_of_shards":1,"auto_expand_replicas":"0-1"},)"
      R"("mappings":{"dynamic":false,"properties":{"index":{"type":"keyword"}}}})");
  // Another job may have created it in between.
  if (!created && created.error().engine_type != "resource_already_exists_exception") {
    return std::unexpected(created.error());
  }
  return {};
}

connectors::Result<SyncState> StateStore::load(std::string_view storefront) {
  connectors::HttpRequest request;
  request.method = "GET";
  request.path = "/" + connectors::encodePathSegment(index_) + "/_doc/" +
                 connectors::encodePathSegment(storefront);
  auto response = client_.raw(request);
  if (!response) return std::unexpected(response.error());
  if (response->status == 404) return SyncState{};
  if (response->status != 200) {
    return std::unexpected(connectors::engineErrorFromResponse(*response));
  }
  simdjson::padded_string padded(response->body);
  od::parser parser;
  od::document doc;
  od::object obj;
  if (parser.iterate(padded).get(doc) || doc.get_object().get(obj)) {
    return std::unexpected(stateError("sync state: GET answered no JSON object"));
  }
  SyncState state;
  std::string_view source;
  bool found = false;
  for (auto field : obj) {
    std::string_view key;
    od::value v;
    if (field.unescaped_key().get(key) || field.value().get(v)) {
      return std::unexpected(stateError("sync state: unreadable GET answer"));
    }
    if (key == "found") {
      if (v.get_bool().get(found)) return std::unexpected(stateError("sync state: found"));
    } else if (key == "_seq_no") {
      if (v.get_int64().get(state.seq_no)) return std::unexpected(stateError("_seq_no"));
    } else if (key == "_primary_term") {
      if (v.get_int64().get(state.primary_term)) {
        return std::unexpected(stateError("_primary_term"));
      }
    } else if (key == "_source") {
      od::object src;
      if (v.get_object().get(src) || src.raw_json().get(source)) {
        return std::unexpected(stateError("sync state: _source"));
      }
    }
  }
  if (!found) return SyncState{};
  auto parsed = stateFromJson(source);
  if (!parsed) return std::unexpected(stateError(parsed.error()));
  parsed->seq_no = state.seq_no;
  parsed->primary_term = state.primary_term;
  return *parsed;
}

connectors::Result<void> StateStore::save(std::string_view storefront, SyncState& state) {
  connectors::HttpRequest request;
  request.method = "PUT";
  request.path = "/" + connectors::encodePathSegment(index_) + "/_doc/" +
                 connectors::encodePathSegment(storefront);
  // refresh=true: a reader that looks right after the switch sees it.
  request.query = "refresh=true";
  if (state.seq_no < 0) {
    request.query += "&op_type=create";
  } else {
    request.query += "&if_seq_no=" + std::to_string(state.seq_no) +
                     "&if_primary_term=" + std::to_string(state.primary_term);
  }
  request.headers.emplace_back("Content-Type", "application/json");
  request.body = stateToJson(state);
  auto response = client_.raw(request);
  if (!response) return std::unexpected(response.error());
  if (response->status != 200 && response->status != 201) {
    return std::unexpected(connectors::engineErrorFromResponse(*response));
  }
  simdjson::padded_string padded(response->body);
  od::parser parser;
  od::document doc;
  int64_t seq = 0, term = 0;
  if (parser.iterate(padded).get(doc) || doc["_seq_no"].get_int64().get(seq)) {
    return std::unexpected(stateError("sync state: PUT answer without _seq_no"));
  }
  if (doc["_primary_term"].get_int64().get(term)) {
    return std::unexpected(stateError("sync state: PUT answer without _primary_term"));
  }
  state.seq_no = seq;
  state.primary_term = term;
  return {};
}

}  // namespace rr::index_sync
