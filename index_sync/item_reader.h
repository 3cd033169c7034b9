// Reads one scanned product hit: the text the item tower needs (from
// `_source`, through the storefront's field map) and the sync metadata the
// engine returned with it (`fields`: the doc values of the vector fields and
// of the updated-at field; `_seq_no` / `_primary_term`).
#pragma once

#include <cstdint>
#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "connectors/search_response.h"
#include "scoring/model.h"

namespace rr::index_sync {

// Which doc-value fields to read from a hit's `fields` object.
struct ReadPlan {
  config::FieldMap fields;
  std::string target_meta;   // meta field of the version being written
  std::string carry_vector;  // vector field of the version kept alive; may be empty
  std::string carry_meta;
};

struct ScannedItem {
  std::string doc_id;  // the engine's `_id` (what updates address)
  std::string index;   // the concrete index it was found in
  int64_t seq_no = -1;
  int64_t primary_term = 0;
  scoring::ItemText text;  // text.id: the item id the model knows it by
  std::optional<int64_t> updated_at_ms;
  std::string target_meta;   // "" when the item has no vector of that version
  std::string carry_vector;  // base64, "" when absent
  std::string carry_meta;
};

class ItemReader {
 public:
  explicit ItemReader(ReadPlan plan);
  ~ItemReader();

  // The `_source` filter that fetches exactly the mapped fields (raw JSON).
  std::string sourceFilter() const;
  // Every field a pass reads with `fields`, from `_source` or doc values.
  static std::vector<std::string> readFields(const config::FieldMap& fields);
  // The `docvalue_fields` array (raw JSON).
  std::string docvalueFields() const;

  // Errors name the document and the field: a missing or non-text title, an
  // id field absent from `_source`, a non-numeric price, a hit without
  // `_seq_no` (the scan must ask for seq_no_primary_term).
  std::expected<ScannedItem, std::string> read(const connectors::Hit& hit);

 private:
  ReadPlan plan_;
  // The JSON parser and its buffer, reused across hits. Kept out of the
  // header: simdjson's types change with its build flags.
  struct Scratch;
  std::unique_ptr<Scratch> scratch_;
};

}  // namespace rr::index_sync
