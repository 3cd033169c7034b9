// A `_search` response shaped like a product search, for the benchmarks that
// parse or read one: every hit has a product `_source` with text,
// categorical and numeric fields (sku, name, description, manufacturer,
// genre, price, rating, active). Deterministic for its arguments.
#pragma once

#include <functional>
#include <random>
#include <string>

#include "connectors/json_writer.h"

namespace rr::bench {

struct ProductResponseOptions {
  int description_words = 24;
  // When set, each hit gets `"fields":` followed by what it returns (drawing
  // from the same generator), e.g. the doc values of a vector field.
  std::function<std::string(std::mt19937&)> fields;
};

inline std::string makeProductResponse(int hits, const ProductResponseOptions& opt = {}) {
  static const char* kWords[] = {"halo",   "wars",   "legendary", "edition",
                                 "xbox",   "360",    "forza",     "racing",
                                 "soccer", "kinect", "dance",     "central"};
  std::mt19937 rng(7);
  std::string out =
      R"({"took":12,"timed_out":false,"_shards":{"total":1,"successful":1,"skipped":0,"failed":0},"hits":{"total":{"value":)" +
      std::to_string(hits * 3) + R"(,"relation":"eq"},"max_score":12.5,"hits":[)";
  for (int i = 0; i < hits; ++i) {
    if (i) out += ',';
    std::string title, description;
    for (int w = 0; w < 5; ++w) title += std::string(w ? " " : "") + kWords[rng() % 12];
    for (int w = 0; w < opt.description_words; ++w) {
      description += std::string(w ? " " : "") + kWords[rng() % 12];
    }
    out += R"({"_index":"products","_id":")" + std::to_string(1000000 + i) +
           R"(","_score":)" + std::to_string(12.5 - i * 0.01) +
           R"(,"_source":{"sku":")" + std::to_string(1000000 + i) +
           R"(","name":)" + connectors::jsonString(title) +
           R"(,"description":)" + connectors::jsonString(description) +
           R"(,"manufacturer":"Microsoft","genre":"Racing","price":)" +
           std::to_string(10 + static_cast<int>(rng() % 50)) +
           R"(.99,"rating":4.5,"active":true})";
    if (opt.fields) out += ",\"fields\":" + opt.fields(rng);
    out += '}';
  }
  out += "]}}";
  return out;
}

}  // namespace rr::bench
