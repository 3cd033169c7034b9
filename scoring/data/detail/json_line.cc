#include "scoring/data/detail/json_line.h"

namespace rr::scoring::data::detail {
namespace {

FieldError fieldError(std::string_view field, std::string message) {
  return FieldError{.field = std::string(field), .message = std::move(message)};
}

std::expected<bool, FieldError> isNull(od::value& value) {
  bool null = false;
  if (auto err = value.is_null().get(null)) return std::unexpected(malformed(err));
  return null;
}

}  // namespace

FieldError malformed(simdjson::error_code code) {
  return FieldError{
      .field = {},
      .message = std::string("malformed JSON (") + simdjson::error_message(code) + ")"};
}

std::expected<od::object, FieldError> JsonLine::open(std::string_view line) {
  buffer_.assign(line);
  buffer_.reserve(line.size() + simdjson::SIMDJSON_PADDING);
  if (auto err = parser_.iterate(buffer_.data(), buffer_.size(), buffer_.capacity()).get(doc_)) {
    return std::unexpected(malformed(err));
  }
  od::object object;
  if (doc_.get_object().get(object)) {
    return std::unexpected(FieldError{.field = {}, .message = "not a JSON object"});
  }
  return object;
}

std::expected<void, FieldError> JsonLine::expectEnd() {
  const char* where = nullptr;
  // current_location() fails exactly when the whole input has been consumed.
  if (doc_.current_location().get(where) == simdjson::SUCCESS) {
    return std::unexpected(
        FieldError{.field = {}, .message = "trailing content after the JSON object"});
  }
  return {};
}

JsonLine& threadJsonLine() {
  thread_local JsonLine line;
  return line;
}

std::expected<std::string, FieldError> readString(od::value value, std::string_view field) {
  std::string_view text;
  if (value.get_string().get(text)) return std::unexpected(fieldError(field, "expected a string"));
  return std::string(text);
}

std::expected<std::string, FieldError> readOptionalString(od::value value,
                                                          std::string_view field) {
  auto null = isNull(value);
  if (!null) return std::unexpected(std::move(null.error()));
  if (*null) return std::string();
  return readString(value, field);
}

std::expected<int64_t, FieldError> readInteger(od::value value, std::string_view field) {
  int64_t number = 0;
  if (value.get_int64().get(number)) {
    return std::unexpected(fieldError(field, "expected an integer"));
  }
  return number;
}

std::expected<std::optional<double>, FieldError> readOptionalNumber(od::value value,
                                                                    std::string_view field) {
  auto null = isNull(value);
  if (!null) return std::unexpected(std::move(null.error()));
  if (*null) return std::optional<double>();
  double number = 0;
  if (value.get_double().get(number)) {
    return std::unexpected(fieldError(field, "expected a number"));
  }
  return std::optional<double>(number);
}

std::expected<std::vector<std::string>, FieldError> readStringList(od::value value,
                                                                   std::string_view field) {
  auto null = isNull(value);
  if (!null) return std::unexpected(std::move(null.error()));
  std::vector<std::string> out;
  if (*null) return out;
  od::array array;
  if (value.get_array().get(array)) {
    return std::unexpected(fieldError(field, "expected an array of strings"));
  }
  for (auto element : array) {
    std::string_view text;
    if (element.get_string().get(text)) {
      return std::unexpected(fieldError(field, "expected an array of strings"));
    }
    out.emplace_back(text);
  }
  return out;
}

}  // namespace rr::scoring::data::detail
