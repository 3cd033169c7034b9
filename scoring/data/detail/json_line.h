// simdjson On-Demand over one JSON Lines record. Internal to scoring/data:
// only .cc files of this library include it, so simdjson stays a private
// dependency.
//
// Every reader returns a FieldError naming the field, so callers only add the
// file and line.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scoring/data/load_error.h"

namespace rr::scoring::data::detail {

namespace od = simdjson::ondemand;

// Parses one line holding one JSON object and hands each field to a visitor.
// Holds a reused parser and padded buffer: one instance per thread (see
// threadJsonLine()); not thread-safe itself.
class JsonLine {
 public:
  // `visit(std::string_view key, od::value value)` returns
  // std::expected<void, FieldError>; the first error stops the walk. Unknown
  // keys are the visitor's to ignore. Afterwards anything but whitespace
  // after the object is an error.
  template <class Visit>
  std::expected<void, FieldError> forEachField(std::string_view line, Visit&& visit);

 private:
  std::expected<od::object, FieldError> open(std::string_view line);
  std::expected<void, FieldError> expectEnd();

  od::parser parser_;
  od::document doc_;
  std::string buffer_;
};

// The calling thread's JsonLine.
JsonLine& threadJsonLine();

FieldError malformed(simdjson::error_code code);

std::expected<std::string, FieldError> readString(od::value value, std::string_view field);
// null reads as the empty string.
std::expected<std::string, FieldError> readOptionalString(od::value value, std::string_view field);
std::expected<int64_t, FieldError> readInteger(od::value value, std::string_view field);
// null reads as nullopt.
std::expected<std::optional<double>, FieldError> readOptionalNumber(od::value value,
                                                                    std::string_view field);
// null reads as an empty list.
std::expected<std::vector<std::string>, FieldError> readStringList(od::value value,
                                                                   std::string_view field);

template <class Visit>
std::expected<void, FieldError> JsonLine::forEachField(std::string_view line, Visit&& visit) {
  auto object = open(line);
  if (!object) return std::unexpected(std::move(object.error()));
  for (auto field : *object) {
    std::string_view key;
    if (auto err = field.unescaped_key().get(key)) return std::unexpected(malformed(err));
    od::value value;
    if (auto err = field.value().get(value)) return std::unexpected(malformed(err));
    if (auto r = visit(key, value); !r) return r;
  }
  return expectEnd();
}

}  // namespace rr::scoring::data::detail
