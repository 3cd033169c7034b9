#include "connectors/detail/json_reader.h"

namespace rr::connectors::detail {

Error jsonError(std::string_view path, simdjson::error_code code) {
  return jsonError(path, simdjson::error_message(code));
}

Error jsonError(std::string_view path, std::string_view what) {
  Error e;
  e.code = ErrorCode::kBadResponse;
  e.message = std::string(path.empty() ? "<root>" : path) + ": " + std::string(what);
  return e;
}

void ensurePadding(std::string& body) {
  if (body.capacity() < body.size() + simdjson::SIMDJSON_PADDING) {
    body.reserve(body.size() + simdjson::SIMDJSON_PADDING);
  }
}

Result<void> expectEnd(od::document& doc) {
  const char* where = nullptr;
  if (doc.current_location().get(where) == simdjson::SUCCESS) {
    return std::unexpected(jsonError("", "trailing content after the JSON value"));
  }
  return {};
}

std::string_view trimRight(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n' ||
                        s.back() == '\r' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

simdjson::error_code readString(od::value value, ResponseBuffer& buffer,
                                std::string_view& out) {
  std::string_view token = trimRight(value.raw_json_token());
  if (token.size() < 2 || token.front() != '"' || token.back() != '"') {
    return simdjson::INCORRECT_TYPE;
  }
  std::string_view inner = token.substr(1, token.size() - 2);
  if (inner.find('\\') == std::string_view::npos) {
    out = inner;
    return simdjson::SUCCESS;
  }
  std::string_view unescaped;
  if (auto err = value.get_string().get(unescaped)) return err;
  out = buffer.unescaped.emplace_back(unescaped);
  return simdjson::SUCCESS;
}

simdjson::error_code readRawContainer(od::value value, std::string_view& out) {
  od::json_type type;
  if (auto err = value.type().get(type)) return err;
  std::string_view raw;
  simdjson::error_code err = simdjson::SUCCESS;
  if (type == od::json_type::object) {
    od::object obj;
    err = value.get_object().get(obj);
    if (!err) err = obj.raw_json().get(raw);
  } else if (type == od::json_type::array) {
    od::array arr;
    err = value.get_array().get(arr);
    if (!err) err = arr.raw_json().get(raw);
  } else {
    return simdjson::INCORRECT_TYPE;
  }
  if (!err) out = trimRight(raw);
  return err;
}

simdjson::error_code readNullableDouble(od::value value,
                                        std::optional<double>& out) {
  bool is_null = false;
  if (auto err = value.is_null().get(is_null)) return err;
  if (is_null) {
    out.reset();
    return simdjson::SUCCESS;
  }
  double d = 0;
  if (auto err = value.get_double().get(d)) return err;
  out = d;
  return simdjson::SUCCESS;
}

simdjson::error_code readEngineErrorObject(od::value value, Error& out) {
  od::json_type type;
  if (auto err = value.type().get(type)) return err;
  if (type == od::json_type::string) {
    std::string_view s;
    if (auto err = value.get_string().get(s)) return err;
    out.engine_reason = std::string(s);
    return simdjson::SUCCESS;
  }
  od::object obj;
  if (type != od::json_type::object) return simdjson::INCORRECT_TYPE;
  if (auto err = value.get_object().get(obj)) return err;
  for (auto field : obj) {
    std::string_view key;
    if (auto err = field.unescaped_key().get(key)) return err;
    od::value v;
    if (auto err = field.value().get(v)) return err;
    std::string_view s;
    if (key == "type") {
      if (auto err = v.get_string().get(s)) return err;
      out.engine_type = std::string(s);
    } else if (key == "reason") {
      if (auto err = v.get_string().get(s)) return err;
      out.engine_reason = std::string(s);
    }
  }
  return simdjson::SUCCESS;
}

namespace {

ErrorCode codeForStatus(int status) {
  if (status == 429 || status == 502 || status == 503) {
    return ErrorCode::kUnavailable;
  }
  if (status == 504) return ErrorCode::kDeadlineExceeded;
  return ErrorCode::kEngineError;
}

}  // namespace

Error engineError(int http_status, std::string_view body) {
  Error e;
  e.code = codeForStatus(http_status);
  e.http_status = http_status;
  e.raw_body = std::string(body);
  simdjson::padded_string padded(body);
  od::parser parser;
  od::document doc;
  od::object obj;
  bool parsed = !parser.iterate(padded).get(doc) && !doc.get_object().get(obj);
  bool found = false;
  if (parsed) {
    for (auto field : obj) {
      std::string_view key;
      if (field.unescaped_key().get(key)) break;
      if (key == "error") {
        od::value v;
        if (field.value().get(v)) break;
        found = readEngineErrorObject(v, e) == simdjson::SUCCESS;
      }
    }
  }
  e.message = "engine returned HTTP " + std::to_string(http_status);
  if (found) {
    if (!e.engine_type.empty()) e.message += ": " + e.engine_type;
    if (!e.engine_reason.empty()) e.message += ": " + e.engine_reason;
  } else {
    constexpr std::size_t kSnippet = 200;
    e.message += " with a body that is not an engine error: ";
    e.message += std::string(body.substr(0, kSnippet));
  }
  return e;
}

}  // namespace rr::connectors::detail
