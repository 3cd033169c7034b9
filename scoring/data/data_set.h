// What a converter or the simulator produces: a catalog, an event log and the
// counts worth printing.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <utility>
#include <vector>

#include "scoring/data/event.h"
#include "scoring/data/product.h"

namespace rr::scoring::data {

struct DataSet {
  std::vector<Product> products;
  std::vector<Event> events;  // sorted by time, sessions assigned
  // Named counts in the order they should be reported, e.g. {"products", 437}.
  std::vector<std::pair<std::string, int64_t>> counts;

  void addCount(std::string name, int64_t value) { counts.emplace_back(std::move(name), value); }

  // The count called `name`, or -1.
  int64_t countOf(const std::string& name) const;
};

// Creates `dir` if needed and writes dir/catalog.jsonl and dir/events.jsonl.
// The error names the path that failed.
std::expected<void, std::string> writeDataSet(const std::string& dir, const DataSet& data);

}  // namespace rr::scoring::data
