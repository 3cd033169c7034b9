#include "connectors/bulk.h"

#include <algorithm>

#include "connectors/detail/json_reader.h"
#include "connectors/json_writer.h"

namespace rr::connectors {
namespace {

namespace od = simdjson::ondemand;
using detail::jsonError;

std::string_view actionName(BulkOp::Action a) {
  switch (a) {
    case BulkOp::Action::kIndex: return "index";
    case BulkOp::Action::kCreate: return "create";
    case BulkOp::Action::kUpdate: return "update";
    case BulkOp::Action::kDelete: return "delete";
  }
  return "index";
}

Result<void> parseItem(od::value action_value, BulkItemResult& item,
                       const std::string& path) {
  od::object obj;
  RR_TRY_JSON(action_value.get_object().get(obj), path);
  for (auto field : obj) {
    std::string_view key;
    RR_TRY_JSON(field.unescaped_key().get(key), path);
    if (key == "_id") {
      std::string_view id;
      RR_TRY_JSON(field.value().get_string().get(id), path + "._id");
      item.id = std::string(id);
    } else if (key == "status") {
      int64_t status = 0;
      RR_TRY_JSON(field.value().get_int64().get(status), path + ".status");
      item.status = static_cast<int>(status);
    } else if (key == "error") {
      od::value v;
      RR_TRY_JSON(field.value().get(v), path + ".error");
      Error e;
      RR_TRY_JSON(detail::readEngineErrorObject(v, e), path + ".error");
      item.error_type = std::move(e.engine_type);
      item.error_reason = std::move(e.engine_reason);
      if (item.error_type.empty() && item.error_reason.empty()) {
        item.error_reason = "unknown error";
      }
    }
  }
  if (item.status == 0) {
    return std::unexpected(jsonError(path + ".status", "missing"));
  }
  item.ok = item.status >= 200 && item.status < 300 && item.error_type.empty();
  return {};
}

}  // namespace

std::size_t BulkResult::failed() const {
  return static_cast<std::size_t>(std::ranges::count_if(
      items, [](const BulkItemResult& i) { return !i.ok; }));
}

Result<std::string> buildBulkBody(std::span<const BulkOp> ops) {
  std::string out;
  std::size_t estimate = 0;
  for (const auto& op : ops) estimate += op.body.size() + op.id.size() + 64;
  out.reserve(estimate);
  for (std::size_t i = 0; i < ops.size(); ++i) {
    const BulkOp& op = ops[i];
    if (op.index.empty()) {
      return makeError(ErrorCode::kInvalidArgument,
                       "bulk op " + std::to_string(i) + ": index is empty");
    }
    bool needs_body = op.action != BulkOp::Action::kDelete;
    if (needs_body && op.body.empty()) {
      return makeError(ErrorCode::kInvalidArgument,
                       "bulk op " + std::to_string(i) + ": body is empty");
    }
    if (op.id.empty() && op.action != BulkOp::Action::kIndex) {
      return makeError(ErrorCode::kInvalidArgument,
                       "bulk op " + std::to_string(i) + ": id is empty");
    }
    if (op.body.find('\n') != std::string::npos) {
      return makeError(ErrorCode::kInvalidArgument,
                       "bulk op " + std::to_string(i) +
                           ": body contains a newline (NDJSON needs one line)");
    }
    out += "{\"";
    out += actionName(op.action);
    out += "\":{\"_index\":";
    appendJsonString(out, op.index);
    if (!op.id.empty()) {
      out += ",\"_id\":";
      appendJsonString(out, op.id);
    }
    if (op.if_seq_no) out += ",\"if_seq_no\":" + std::to_string(*op.if_seq_no);
    if (op.if_primary_term) {
      out += ",\"if_primary_term\":" + std::to_string(*op.if_primary_term);
    }
    out += "}}\n";
    if (needs_body) {
      out += op.body;
      out += '\n';
    }
  }
  return out;
}

Result<BulkResult> parseBulkResponse(std::string body,
                                     std::size_t expected_items) {
  detail::ensurePadding(body);
  od::parser parser;
  od::document doc;
  RR_TRY_JSON(parser.iterate(body.data(), body.size(), body.capacity()).get(doc),
              "");
  od::object top;
  RR_TRY_JSON(doc.get_object().get(top), "");
  BulkResult out;
  out.items.reserve(expected_items);
  for (auto field : top) {
    std::string_view key;
    RR_TRY_JSON(field.unescaped_key().get(key), "");
    if (key == "took") {
      RR_TRY_JSON(field.value().get_int64().get(out.took), "took");
    } else if (key == "items") {
      od::array arr;
      RR_TRY_JSON(field.value().get_array().get(arr), "items");
      std::size_t i = 0;
      for (auto element : arr) {
        std::string path = "items[" + std::to_string(i++) + "]";
        od::object wrapper;  // {"index": {...}}
        RR_TRY_JSON(element.get_object().get(wrapper), path);
        bool seen = false;
        for (auto action : wrapper) {
          std::string_view name;
          RR_TRY_JSON(action.unescaped_key().get(name), path);
          od::value v;
          RR_TRY_JSON(action.value().get(v), path + "." + std::string(name));
          auto r = parseItem(v, out.items.emplace_back(),
                             path + "." + std::string(name));
          if (!r) return std::unexpected(r.error());
          seen = true;
        }
        if (!seen) return std::unexpected(jsonError(path, "empty item"));
      }
    }
  }
  if (auto end = detail::expectEnd(doc); !end) return std::unexpected(end.error());
  if (out.items.size() != expected_items) {
    return std::unexpected(jsonError(
        "items", "expected " + std::to_string(expected_items) +
                     " results, got " + std::to_string(out.items.size())));
  }
  return out;
}

}  // namespace rr::connectors
