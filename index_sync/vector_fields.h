// How item vectors are laid out in a product index.
//
// Every model version gets its own fields, named from the storefront's base
// name and a tag derived from the version, so vectors of two models never
// share a field and a reader picks one version by picking its field:
//   <base>_<tag>      binary, doc values: little-endian float32 x d, base64;
//                     cheap to fetch with `docvalue_fields`
//   <base>_<tag>_m    keyword, doc values: "<model version>|<content hash>"
//   <base>_<tag>_knn  knn_vector (k-NN plugin only): the same vector, searchable
// The index must exclude `<base>*` from `_source`, so vectors never appear in
// a search response unless a caller asks for them with `docvalue_fields`.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "scoring/model.h"

namespace rr::index_sync {

struct VectorFields {
  std::string version;  // the model version they hold
  std::string tag;      // 8 hex digits of FNV-1a(version)
  std::string vector;   // <base>_<tag>
  std::string meta;     // <base>_<tag>_m
  std::string knn;      // <base>_<tag>_knn
};

VectorFields vectorFields(std::string_view base, std::string_view model_version);

// The mapping properties for `fields`: the binary and meta fields, plus the
// knn_vector field of dimension `dim` when `knn` is true. Raw JSON object
// for PUT /{index}/_mapping.
std::string vectorMapping(const VectorFields& fields, int dim, bool knn);

// Base64 (RFC 4648, padded) of the floats' little-endian bytes.
std::string encodeVector(std::span<const float> v);
// Accepts padded or unpadded base64 (doc values come back unpadded). False
// when the text is not base64 of a whole number of floats.
bool decodeVector(std::string_view base64, std::vector<float>& out);

namespace detail {
// decodeVector with its 32-character AVX2 blocks on or off (off: the
// portable 4-character loop alone), so tests and benchmarks compare them.
bool decodeVectorWith(std::string_view base64, std::vector<float>& out, bool blocks);
}  // namespace detail

// 16 hex digits over every feature the item tower reads, so a changed title,
// brand, category, price... changes it and nothing else does.
std::string contentHash(const scoring::ItemText& item);

// "<version>|<hash>": what the meta field holds.
std::string metaValue(std::string_view version, std::string_view hash);

// True when `name` matches the `_source.excludes` pattern (`*` wildcards).
bool matchesExcludePattern(std::string_view pattern, std::string_view name);

}  // namespace rr::index_sync
