#include "scoring/data/detail/converter_support.h"

#include <charconv>
#include <filesystem>
#include <system_error>

namespace rr::scoring::data::detail {

std::expected<void, LoadError> requireDirectory(const std::string& dir) {
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) {
    return std::unexpected(LoadError{.file = dir, .message = "no such directory"});
  }
  if (!std::filesystem::is_directory(dir, ec)) {
    return std::unexpected(LoadError{.file = dir, .message = "is not a directory"});
  }
  return {};
}

DelimitedOptions tsv(bool has_header) {
  return DelimitedOptions{.separator = '\t',
                          .quoting = DelimitedOptions::Quoting::kNone,
                          .encoding = DelimitedOptions::Encoding::kUtf8,
                          .trim_fields = true,
                          .has_header = has_header};
}

std::expected<std::vector<std::size_t>, LoadError> headerColumns(
    const DelimitedReader& reader, std::initializer_list<std::string_view> names) {
  std::vector<std::size_t> out;
  for (auto name : names) {
    auto index = reader.column(name);
    if (!index) {
      return std::unexpected(LoadError{.file = reader.path(),
                                       .line = 1,
                                       .field = std::string(name),
                                       .message = "is not a column of the header"});
    }
    out.push_back(*index);
  }
  return out;
}

std::expected<bool, LoadError> nextRow(DelimitedReader& reader, std::vector<std::string>& row,
                                       std::size_t min_fields) {
  auto more = reader.next(row);
  if (!more || !*more) return more;
  if (row.size() < min_fields) {
    return std::unexpected(reader.error("", "expected " + std::to_string(min_fields) +
                                                " fields, found " + std::to_string(row.size())));
  }
  return true;
}

std::expected<int64_t, LoadError> integerField(const DelimitedReader& reader,
                                               const std::vector<std::string>& row,
                                               std::size_t column, std::string_view name) {
  const std::string& text = row[column];
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    return std::unexpected(
        reader.error(std::string(name), "'" + text + "' is not an integer"));
  }
  return value;
}

std::expected<std::vector<int64_t>, LoadError> integerListField(
    const DelimitedReader& reader, const std::vector<std::string>& row, std::size_t column,
    std::string_view name) {
  const std::string& text = row[column];
  std::vector<int64_t> out;
  const char* p = text.data();
  const char* end = text.data() + text.size();
  while (p < end) {
    if (*p == ' ') {
      ++p;
      continue;
    }
    int64_t value = 0;
    auto [next, ec] = std::from_chars(p, end, value);
    if (ec != std::errc() || (next < end && *next != ' ')) {
      return std::unexpected(reader.error(
          std::string(name), "'" + text + "' is not a list of integers separated by spaces"));
    }
    out.push_back(value);
    p = next;
  }
  return out;
}

std::expected<IndexFile, LoadError> readIndexFile(const std::string& path) {
  auto reader = DelimitedReader::open(path, tsv(false));
  if (!reader) return std::unexpected(std::move(reader.error()));
  IndexFile index;
  std::vector<std::string> row;
  while (true) {
    auto more = nextRow(*reader, row, 2);
    if (!more) return std::unexpected(std::move(more.error()));
    if (!*more) break;
    auto value = integerField(*reader, row, 1, "index");
    if (!value) return std::unexpected(std::move(value.error()));
    if (row[0].empty()) return std::unexpected(reader->error("key", "is empty"));
    if (!index.by_key.emplace(row[0], *value).second) {
      return std::unexpected(reader->error("key", "'" + row[0] + "' is listed twice"));
    }
    if (!index.by_value.emplace(*value, row[0]).second) {
      return std::unexpected(
          reader->error("index", std::to_string(*value) + " is listed twice"));
    }
  }
  return index;
}

}  // namespace rr::scoring::data::detail
