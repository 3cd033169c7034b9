// Errors of the data layer: what was wrong, and where.
#pragma once

#include <cstddef>
#include <string>

namespace rr::scoring::data {

// A problem inside one line (a JSON object or a delimited record), before the
// file and line are known. `field` is empty when the line as a whole is bad.
struct FieldError {
  std::string field;
  std::string message;
};

// A problem in a file: `file:line: field "f": message` (or `field "f" is
// missing` when the message starts with "is "). `line` is 1-based and
// 0 when the file as a whole is the problem (cannot be opened); `field` is
// empty when no single field is to blame.
struct LoadError {
  std::string file;
  std::size_t line = 0;
  std::string field;
  std::string message;

  std::string toString() const;

  static LoadError fromField(std::string file, std::size_t line, FieldError error);
};

}  // namespace rr::scoring::data
