#include "scoring/data/load_error.h"

#include <utility>

namespace rr::scoring::data {

std::string LoadError::toString() const {
  std::string out = file;
  if (line > 0) out += ":" + std::to_string(line);
  out += ": ";
  if (!field.empty()) {
    // "field "id" is missing" reads as a sentence; other messages follow a colon.
    out += "field \"" + field + "\"";
    out += message.starts_with("is ") ? " " : ": ";
  }
  out += message;
  return out;
}

LoadError LoadError::fromField(std::string file, std::size_t line, FieldError error) {
  return LoadError{.file = std::move(file),
                   .line = line,
                   .field = std::move(error.field),
                   .message = std::move(error.message)};
}

}  // namespace rr::scoring::data
