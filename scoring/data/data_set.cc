#include "scoring/data/data_set.h"

#include <filesystem>
#include <system_error>

#include "scoring/data/catalog_io.h"
#include "scoring/data/event_io.h"

namespace rr::scoring::data {

int64_t DataSet::countOf(const std::string& name) const {
  for (const auto& [key, value] : counts) {
    if (key == name) return value;
  }
  return -1;
}

std::expected<void, std::string> writeDataSet(const std::string& dir, const DataSet& data) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return std::unexpected(dir + ": cannot create the directory: " + ec.message());
  if (auto r = writeCatalogFile(dir + "/catalog.jsonl", data.products); !r) return r;
  return writeEventsFile(dir + "/events.jsonl", data.events);
}

}  // namespace rr::scoring::data
