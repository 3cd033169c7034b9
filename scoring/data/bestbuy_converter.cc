#include "scoring/data/bestbuy_converter.h"

#include <charconv>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "scoring/data/delimited_reader.h"
#include "scoring/data/detail/converter_support.h"
#include "scoring/data/sessions.h"
#include "scoring/data/text_encoding.h"
#include "scoring/data/timestamp.h"

namespace rr::scoring::data {
namespace {

DelimitedOptions bestBuyCsv() {
  return DelimitedOptions{.separator = ',',
                          .quoting = DelimitedOptions::Quoting::kNone,
                          .encoding = DelimitedOptions::Encoding::kLatin1};
}

std::expected<int64_t, LoadError> timeField(const DelimitedReader& reader,
                                            const std::vector<std::string>& row,
                                            std::size_t column) {
  auto ts = parseUtcTimestamp(row[column]);
  if (!ts) return std::unexpected(reader.error(reader.header()[column], ts.error()));
  return *ts;
}

std::expected<std::string, LoadError> nonEmptyField(const DelimitedReader& reader,
                                                    const std::vector<std::string>& row,
                                                    std::size_t column) {
  if (row[column].empty()) {
    return std::unexpected(reader.error(reader.header()[column], "is empty"));
  }
  return row[column];
}

std::expected<int64_t, LoadError> readProducts(const std::string& path, DataSet& out) {
  auto reader = DelimitedReader::open(path, bestBuyCsv());
  if (!reader) return std::unexpected(std::move(reader.error()));
  auto cols = detail::headerColumns(*reader, {"sku", "name", "shortDescription", "manufacturer",
                                              "genre", "customerReviewAverage"});
  if (!cols) return std::unexpected(std::move(cols.error()));
  const auto& c = *cols;
  std::unordered_set<std::string> seen;
  int64_t duplicates = 0;
  std::vector<std::string> row;
  while (true) {
    auto more = reader->next(row);
    if (!more) return std::unexpected(std::move(more.error()));
    if (!*more) break;
    if (auto n = reader->expectFieldCount(row, reader->header().size()); !n) {
      return std::unexpected(std::move(n.error()));
    }
    auto sku = nonEmptyField(*reader, row, c[0]);
    if (!sku) return std::unexpected(std::move(sku.error()));
    if (!seen.insert(*sku).second) {
      ++duplicates;
      continue;
    }
    Product p{.id = *sku,
              .title = collapseSpaces(row[c[1]]),
              .description = collapseSpaces(row[c[2]]),
              .brand = collapseSpaces(row[c[3]]),
              .category = collapseSpaces(row[c[4]])};
    const std::string& rating = row[c[5]];
    if (!rating.empty()) {
      double value = 0;
      auto [end, ec] = std::from_chars(rating.data(), rating.data() + rating.size(), value);
      if (ec != std::errc() || end != rating.data() + rating.size()) {
        return std::unexpected(
            reader->error("customerReviewAverage", "'" + rating + "' is not a number"));
      }
      p.rating = value;
    }
    out.products.push_back(std::move(p));
  }
  return duplicates;
}

// clicks.csv (labelled = true) or queries_unlabelled.csv. Returns the number
// of searches read.
std::expected<int64_t, LoadError> readSearches(const std::string& path, bool labelled,
                                               DataSet& out) {
  auto reader = DelimitedReader::open(path, bestBuyCsv());
  if (!reader) return std::unexpected(std::move(reader.error()));
  auto cols = labelled ? detail::headerColumns(
                             *reader, {"user", "query", "query_time", "sku", "click_time"})
                       : detail::headerColumns(*reader, {"user", "query", "query_time"});
  if (!cols) return std::unexpected(std::move(cols.error()));
  const auto& c = *cols;
  int64_t searches = 0;
  std::vector<std::string> row;
  while (true) {
    auto more = reader->next(row);
    if (!more) return std::unexpected(std::move(more.error()));
    if (!*more) break;
    if (auto n = reader->expectFieldCount(row, reader->header().size()); !n) {
      return std::unexpected(std::move(n.error()));
    }
    auto user = nonEmptyField(*reader, row, c[0]);
    if (!user) return std::unexpected(std::move(user.error()));
    auto query_ts = timeField(*reader, row, c[2]);
    if (!query_ts) return std::unexpected(std::move(query_ts.error()));
    Event search{.type = Event::Type::kSearch, .user = *user, .ts_ms = *query_ts,
                 .query = collapseSpaces(row[c[1]])};
    if (labelled) {
      auto sku = nonEmptyField(*reader, row, c[3]);
      if (!sku) return std::unexpected(std::move(sku.error()));
      auto click_ts = timeField(*reader, row, c[4]);
      if (!click_ts) return std::unexpected(std::move(click_ts.error()));
      search.item = *sku;
      out.events.push_back(search);
      out.events.push_back(
          Event{.type = Event::Type::kClick, .user = *user, .ts_ms = *click_ts, .item = *sku});
    } else {
      out.events.push_back(std::move(search));
    }
    ++searches;
  }
  return searches;
}

}  // namespace

std::expected<DataSet, LoadError> convertBestBuy(const std::string& dir) {
  if (auto ok = detail::requireDirectory(dir); !ok) return std::unexpected(std::move(ok.error()));
  DataSet out;
  auto duplicates = readProducts(dir + "/products.csv", out);
  if (!duplicates) return std::unexpected(std::move(duplicates.error()));
  auto labelled = readSearches(dir + "/clicks.csv", true, out);
  if (!labelled) return std::unexpected(std::move(labelled.error()));
  auto unlabelled = readSearches(dir + "/queries_unlabelled.csv", false, out);
  if (!unlabelled) return std::unexpected(std::move(unlabelled.error()));

  sortAndAssignSessions(out.events);

  std::unordered_set<std::string> catalog;
  for (const auto& p : out.products) catalog.insert(p.id);
  std::unordered_set<std::string> users;
  std::unordered_set<std::string> sessions;
  int64_t clicks = 0;
  int64_t unknown_clicked = 0;
  for (const auto& e : out.events) {
    users.insert(e.user);
    sessions.insert(e.session);
    if (e.type == Event::Type::kClick) {
      ++clicks;
      unknown_clicked += catalog.count(e.item) == 0 ? 1 : 0;
    }
  }
  out.addCount("products", static_cast<int64_t>(out.products.size()));
  out.addCount("duplicate product rows", *duplicates);
  out.addCount("labelled searches", *labelled);
  out.addCount("unlabelled searches", *unlabelled);
  out.addCount("clicks", clicks);
  out.addCount("clicks on SKUs not in the catalog", unknown_clicked);
  out.addCount("users", static_cast<int64_t>(users.size()));
  out.addCount("sessions", static_cast<int64_t>(sessions.size()));
  out.addCount("events", static_cast<int64_t>(out.events.size()));
  return out;
}

}  // namespace rr::scoring::data
