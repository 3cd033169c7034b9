// Text -> hashed token ids, shared by items and queries (one token space).
//
// Words are lower-cased ASCII alphanumeric runs. Each word gives its own id
// and, when enabled, the ids of its character trigrams with boundary markers
// ("#ha", "hal", "alo", "lo#"), so a typo or a prefix still shares most of
// its ids with the right word. Ids are FNV-1a hashes modulo `buckets`.
// Stateless and thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace rr::scoring {

struct TokenizerSettings {
  uint32_t buckets = 1u << 17;
  bool char_trigrams = true;
  uint32_t seed = 0x5bd1e995u;  // changes every id: part of the model file
};

class Tokenizer {
 public:
  explicit Tokenizer(TokenizerSettings settings = {});

  const TokenizerSettings& settings() const { return settings_; }

  // Appends the ids of `text` to `out` (does not clear it).
  void tokenize(std::string_view text, std::vector<uint32_t>& out) const;

  // Id of a whole categorical value (brand, category) in `buckets` buckets:
  // the hash of normalize(prefix + value), computed as the characters stream
  // by, with no string built (it runs for every candidate of every search).
  uint32_t hashValue(std::string_view value, uint32_t buckets) const {
    return hashValue({}, value, buckets);
  }
  uint32_t hashValue(std::string_view prefix, std::string_view value, uint32_t buckets) const;

  // Lower-cased words joined by one space: the key for exact-query stats.
  static std::string normalize(std::string_view text);

 private:
  uint32_t bucket(std::string_view piece, char kind) const;

  TokenizerSettings settings_;
};

}  // namespace rr::scoring
