// Typed, path-aware reading of a yaml-cpp node tree for the config parser.
//
// Every read* call checks one value and returns false after recording the
// problem (field path, line, message) in the Reader; the caller returns
// false straight away, so the first problem met in document order is the one
// reported. Nothing here throws on bad input (yaml-cpp itself may still throw
// on internal failures; parseConfig catches at its edge).
#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.h"

namespace rr::config::detail {

// A value in the document: the node, its YAML path ("storefronts[0].window")
// and the 1-based line of its key (of the item, in a list), 0 when unknown.
struct Field {
  YAML::Node node;
  std::string path;
  int line = 0;
};

// "parent.key", or "key" at the top level.
std::string childPath(std::string_view parent, std::string_view key);

// 1-based line of a node, 0 when yaml-cpp has none.
int lineOf(const YAML::Node& node);

// "a mapping", "a list", "null" or the scalar quoted (shortened when long).
std::string describeNode(const YAML::Node& node);

class Reader {
 public:
  using ReadFn = std::function<bool(const Field&)>;
  struct Key {
    std::string_view name;
    ReadFn read;
  };

  // Records a problem; always returns false.
  bool fail(const Field& field, std::string message);
  bool fail(std::string path, int line, std::string message);

  const std::optional<ConfigError>& error() const { return error_; }

  // A mapping whose keys must all be in `keys` (each at most once); calls
  // each key's reader in document order. A null value (the key written with
  // nothing under it) is an empty mapping. Unknown keys are named by their
  // full path, with the closest known key suggested.
  bool readMap(const Field& field, std::initializer_list<Key> keys);
  // A list; `item` gets each element as "<path>[i]". Null is an empty list.
  bool readList(const Field& field, const ReadFn& item);

  // Any scalar, as written (plain or quoted). Null or a collection is an error.
  bool readString(const Field& field, std::string& out);
  // A plain decimal integer in lo..hi. Quoted numbers are strings, not integers.
  bool readInt(const Field& field, int64_t lo, int64_t hi, int64_t& out);
  template <typename T>
  bool readInt(const Field& field, int64_t lo, int64_t hi, T& out) {
    int64_t v = 0;
    if (!readInt(field, lo, hi, v)) return false;
    out = static_cast<T>(v);
    return true;
  }
  // A string that must satisfy `ok`; else "<expected>, got '<value>'".
  bool readString(const Field& field, std::string& out, bool (*ok)(std::string_view),
                  std::string_view expected);
  // An integer in lo..hi read as milliseconds / seconds.
  bool readMillis(const Field& field, int64_t lo, int64_t hi, std::chrono::milliseconds& out);
  bool readSeconds(const Field& field, int64_t lo, int64_t hi, std::chrono::seconds& out);
  // Plain true/false (also True/TRUE/False/FALSE); not yes/no/on/off.
  bool readBool(const Field& field, bool& out);

 private:
  std::optional<ConfigError> error_;
};

}  // namespace rr::config::detail
