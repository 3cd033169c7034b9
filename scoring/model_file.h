// Model files: versioned, self-describing, checksummed.
//
// Layout: a text header of `key=value` lines (format version, model version,
// dimensions, tokenizer settings, feature schema, training summary) ending
// with `end_header`, then the tensors and click statistics in little-endian
// binary, then (format 4) the query click lists (Model::queryClicks): a
// uint64 count, then per query, sorted by query, the query, a uint32 list
// length and the item ids, each string a uint32 length and its bytes; then
// a final line `checksum=<16 hex>` (FNV-1a 64 of every byte before it).
// saveModel writes format 4; loadModel also reads format 3 (no lists: the
// model has none). A file that is truncated, altered, of another format
// version, or whose feature schema differs from this build's is refused with
// a message saying which.
#pragma once

#include <expected>
#include <memory>
#include <optional>
#include <string>

#include "scoring/model.h"

namespace rr::scoring {

struct ModelFileError {
  std::string message;  // names the file and what is wrong with it
};

// What the caller's configuration requires of a model (unset: anything).
struct ModelExpectations {
  std::optional<int> dim;
};

std::expected<void, ModelFileError> saveModel(const Model& model,
                                              const std::string& path);

std::expected<std::shared_ptr<const Model>, ModelFileError> loadModel(
    const std::string& path, const ModelExpectations& expect = {});

}  // namespace rr::scoring
