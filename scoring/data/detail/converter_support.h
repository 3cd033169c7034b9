// Helpers shared by the data-set converters. Internal to scoring/data.
#pragma once

#include <cstdint>
#include <expected>
#include <initializer_list>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "scoring/data/delimited_reader.h"
#include "scoring/data/load_error.h"

namespace rr::scoring::data::detail {

// A LoadError unless `dir` is a directory.
std::expected<void, LoadError> requireDirectory(const std::string& dir);

// Tab-separated, no quoting, UTF-8.
DelimitedOptions tsv(bool has_header);

// Column indexes of `names` in the reader's header, or an error naming the
// first missing column.
std::expected<std::vector<std::size_t>, LoadError> headerColumns(
    const DelimitedReader& reader, std::initializer_list<std::string_view> names);

// Reads the next record and checks its field count: true, false at the end,
// or an error naming the line. `min_fields` when the count may vary upward.
std::expected<bool, LoadError> nextRow(DelimitedReader& reader, std::vector<std::string>& row,
                                       std::size_t min_fields);

// The field as a (signed decimal) integer, or an error naming its column.
std::expected<int64_t, LoadError> integerField(const DelimitedReader& reader,
                                               const std::vector<std::string>& row,
                                               std::size_t column, std::string_view name);

// Space-separated integers ("0 1 2 3"), or an error naming the column.
std::expected<std::vector<int64_t>, LoadError> integerListField(
    const DelimitedReader& reader, const std::vector<std::string>& row, std::size_t column,
    std::string_view name);

// A headerless two-column TSV "key<TAB>integer" (Office.item2index,
// Scientific.user2index, ...): key -> integer and integer -> key. Duplicate
// keys or values are errors.
struct IndexFile {
  std::unordered_map<std::string, int64_t> by_key;
  std::unordered_map<int64_t, std::string> by_value;
};
std::expected<IndexFile, LoadError> readIndexFile(const std::string& path);

}  // namespace rr::scoring::data::detail
