#include "scoring/data/delimited_reader.h"

#include <utility>

#include "scoring/data/text_encoding.h"

namespace rr::scoring::data {

std::expected<DelimitedReader, LoadError> DelimitedReader::open(const std::string& path,
                                                                DelimitedOptions options) {
  auto lines = LineReader::open(path);
  if (!lines) return std::unexpected(std::move(lines.error()));
  DelimitedReader reader(std::move(*lines), options);
  if (options.has_header) {
    auto first = reader.next(reader.header_);
    if (!first) return std::unexpected(std::move(first.error()));
    if (!*first) {
      return std::unexpected(LoadError{.file = path, .message = "is empty (no header line)"});
    }
  }
  return reader;
}

DelimitedReader::DelimitedReader(LineReader lines, DelimitedOptions options)
    : lines_(std::move(lines)), options_(options) {}

std::expected<bool, LoadError> DelimitedReader::next(std::vector<std::string>& fields) {
  fields.clear();
  while (lines_.next(line_)) {
    if (line_.find_first_not_of(" \t") == std::string::npos) continue;
    record_line_ = lines_.lineNumber();
    pending_ = line_;
    // A quoted field may hold line breaks (RFC 4180): keep reading until the
    // quote closes.
    while (!split(pending_, fields)) {
      if (!lines_.next(line_)) {
        return std::unexpected(
            error("", "a quoted field is not closed before the end of the file"));
      }
      pending_ += '\n';
      pending_ += line_;
    }
    return true;
  }
  if (lines_.readFailed()) return std::unexpected(error("", "read error"));
  return false;
}

bool DelimitedReader::split(std::string_view text, std::vector<std::string>& fields) const {
  using Quoting = DelimitedOptions::Quoting;
  fields.clear();
  std::size_t i = 0;
  while (true) {
    // Skip blanks before a possible opening quote.
    std::size_t start = i;
    while (start < text.size() &&
           (text[start] == ' ' || (text[start] == '\t' && options_.separator != '\t'))) {
      ++start;
    }
    if (options_.quoting != Quoting::kNone && start < text.size() && text[start] == '"') {
      std::string value;
      std::size_t k = start + 1;
      bool closed = false;
      while (k < text.size()) {
        const char c = text[k];
        if (options_.quoting == Quoting::kBackslash && c == '\\' && k + 1 < text.size()) {
          value.push_back(text[k + 1]);
          k += 2;
          continue;
        }
        if (c == '"') {
          if (options_.quoting == Quoting::kDoubled && k + 1 < text.size() && text[k + 1] == '"') {
            value.push_back('"');
            k += 2;
            continue;
          }
          closed = true;
          ++k;
          break;
        }
        value.push_back(c);
        ++k;
      }
      if (!closed) return false;
      // Anything between the closing quote and the separator is kept, as
      // lenient readers do.
      const std::size_t end = text.find(options_.separator, k);
      const std::size_t stop = end == std::string_view::npos ? text.size() : end;
      value.append(trim(text.substr(k, stop - k)));
      fields.push_back(finishField(value, true));
      if (end == std::string_view::npos) return true;
      i = end + 1;
      continue;
    }
    const std::size_t end = text.find(options_.separator, i);
    const std::size_t stop = end == std::string_view::npos ? text.size() : end;
    fields.push_back(finishField(text.substr(i, stop - i), false));
    if (end == std::string_view::npos) return true;
    i = end + 1;
  }
}

std::string DelimitedReader::finishField(std::string_view raw, bool quoted) const {
  std::string_view text = options_.trim_fields && !quoted ? trim(raw) : raw;
  if (options_.encoding == DelimitedOptions::Encoding::kLatin1) return latin1ToUtf8(text);
  return sanitizeUtf8(text);
}

std::optional<std::size_t> DelimitedReader::column(std::string_view name) const {
  for (std::size_t i = 0; i < header_.size(); ++i) {
    if (header_[i] == name) return i;
  }
  return std::nullopt;
}

LoadError DelimitedReader::error(std::string field, std::string message) const {
  return LoadError{.file = lines_.path(),
                   .line = record_line_,
                   .field = std::move(field),
                   .message = std::move(message)};
}

std::expected<void, LoadError> DelimitedReader::expectFieldCount(
    const std::vector<std::string>& fields, std::size_t count) const {
  if (fields.size() == count) return {};
  return std::unexpected(error("", "expected " + std::to_string(count) + " fields, found " +
                                       std::to_string(fields.size())));
}

}  // namespace rr::scoring::data
