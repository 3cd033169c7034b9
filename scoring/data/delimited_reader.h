// Reads CSV/TSV files record by record, for the data-set converters.
//
// The public data sets disagree on quoting, so it is an option:
//   kNone      quotes are ordinary characters (Best Buy's CSVs, TSVs)
//   kDoubled   RFC 4180: "a ""b"", c" (a quoted field may span lines)
//   kBackslash quoted fields with \" and \\ escapes (retrotech products.csv)
// Fields are converted to UTF-8 (latin-1 input, or UTF-8 with invalid bytes
// replaced) and, by default, trimmed of spaces and tabs around them.
//
// Errors name the file and the line where the record starts. Not
// thread-safe; movable.
#pragma once

#include <cstddef>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scoring/data/line_reader.h"
#include "scoring/data/load_error.h"

namespace rr::scoring::data {

struct DelimitedOptions {
  enum class Quoting { kNone, kDoubled, kBackslash };
  enum class Encoding { kUtf8, kLatin1 };

  char separator = ',';
  Quoting quoting = Quoting::kNone;
  Encoding encoding = Encoding::kUtf8;
  bool trim_fields = true;
  // The first line names the columns (see header() and column()).
  bool has_header = true;
};

class DelimitedReader {
 public:
  // Opens `path` and, when the options say so, reads the header line. A
  // missing file or a missing header is an error.
  static std::expected<DelimitedReader, LoadError> open(const std::string& path,
                                                        DelimitedOptions options);

  // The next record into `fields`: true, false at the end of the file, or an
  // error (an unterminated quote, a read failure). Blank lines are skipped.
  std::expected<bool, LoadError> next(std::vector<std::string>& fields);

  const std::vector<std::string>& header() const { return header_; }

  // Index of the header column `name`, if present.
  std::optional<std::size_t> column(std::string_view name) const;

  // Line where the record last returned by next() starts.
  std::size_t lineNumber() const { return record_line_; }
  const std::string& path() const { return lines_.path(); }

  // An error at the current record, e.g. error("ts", "expected a number").
  LoadError error(std::string field, std::string message) const;

  // A "expected N fields, found M" error when `fields` has another size.
  std::expected<void, LoadError> expectFieldCount(const std::vector<std::string>& fields,
                                                  std::size_t count) const;

 private:
  DelimitedReader(LineReader lines, DelimitedOptions options);

  // Splits `text` into `fields`; false when a quoted field is still open at
  // the end of `text`.
  bool split(std::string_view text, std::vector<std::string>& fields) const;
  std::string finishField(std::string_view raw, bool quoted) const;

  LineReader lines_;
  DelimitedOptions options_;
  std::vector<std::string> header_;
  std::size_t record_line_ = 0;
  std::string line_;
  std::string pending_;
};

}  // namespace rr::scoring::data
