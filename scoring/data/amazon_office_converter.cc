#include "scoring/data/amazon_office_converter.h"

#include <algorithm>
#include <map>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "scoring/data/delimited_reader.h"
#include "scoring/data/detail/converter_support.h"
#include "scoring/data/office_text_splitter.h"
#include "scoring/data/sessions.h"

namespace rr::scoring::data {
namespace {

constexpr int64_t kMsPerSecond = 1000;
constexpr int64_t kMsPerMinute = 60 * kMsPerSecond;
constexpr int64_t kMsPerDay = 24 * 60 * kMsPerMinute;
// The end-aligned clock's instant, the same as the Scientific converter's.
constexpr int64_t kAlignedSearchMs = 1600000000000LL;  // 2020-09-13T12:26:40Z

struct ItemMeta {
  int64_t category = 0;
  int64_t brand = 0;
};

std::expected<std::unordered_map<int64_t, ItemMeta>, LoadError> readItemMeta(
    const std::string& path) {
  auto reader = DelimitedReader::open(path, detail::tsv(true));
  if (!reader) return std::unexpected(std::move(reader.error()));
  auto cols = detail::headerColumns(*reader, {"item_id", "i_category", "i_brand"});
  if (!cols) return std::unexpected(std::move(cols.error()));
  const auto& c = *cols;
  std::unordered_map<int64_t, ItemMeta> meta;
  std::vector<std::string> row;
  while (true) {
    auto more = detail::nextRow(*reader, row, reader->header().size());
    if (!more) return std::unexpected(std::move(more.error()));
    if (!*more) break;
    auto item = detail::integerField(*reader, row, c[0], "item_id");
    if (!item) return std::unexpected(std::move(item.error()));
    auto category = detail::integerField(*reader, row, c[1], "i_category");
    if (!category) return std::unexpected(std::move(category.error()));
    auto brand = detail::integerField(*reader, row, c[2], "i_brand");
    if (!brand) return std::unexpected(std::move(brand.error()));
    meta[*item] = ItemMeta{.category = *category, .brand = *brand};
  }
  return meta;
}

struct TextRow {
  std::string asin;
  int64_t item_id = 0;
};

struct OfficeCatalog {
  std::unordered_map<int64_t, std::string> asin_of;  // item_id -> ASIN
  std::unordered_map<int64_t, std::string> leaf_of;  // item_id -> leaf category text
};

// Office.text -> out.products (texts split), and the lookups events need.
std::expected<OfficeCatalog, LoadError> readOfficeCatalog(const std::string& dir, DataSet& out) {
  auto index = detail::readIndexFile(dir + "/Office.item2index");
  if (!index) return std::unexpected(std::move(index.error()));
  auto meta = readItemMeta(dir + "/item_meta.csv");
  if (!meta) return std::unexpected(std::move(meta.error()));

  auto reader = DelimitedReader::open(dir + "/Office.text", detail::tsv(true));
  if (!reader) return std::unexpected(std::move(reader.error()));
  auto cols = detail::headerColumns(*reader, {"id", "text"});
  if (!cols) return std::unexpected(std::move(cols.error()));
  const auto& c = *cols;
  std::vector<TextRow> rows;
  std::vector<OfficeItemText> texts;
  std::vector<bool> has_meta;
  std::unordered_set<std::string> seen;
  std::vector<std::string> row;
  while (true) {
    auto more = detail::nextRow(*reader, row, 2);
    if (!more) return std::unexpected(std::move(more.error()));
    if (!*more) break;
    const std::string& asin = row[c[0]];
    if (asin.empty()) return std::unexpected(reader->error("id", "is empty"));
    if (!seen.insert(asin).second) {
      return std::unexpected(reader->error("id", "'" + asin + "' is listed twice"));
    }
    auto item = index->by_key.find(asin);
    if (item == index->by_key.end()) {
      return std::unexpected(reader->error("id", "'" + asin + "' is not in Office.item2index"));
    }
    auto m = meta->find(item->second);
    rows.push_back(TextRow{.asin = asin, .item_id = item->second});
    has_meta.push_back(m != meta->end());
    texts.push_back(OfficeItemText{.text = row[c[1]],
                                   .brand_id = m != meta->end() ? m->second.brand : 0,
                                   .category_id = m != meta->end() ? m->second.category : -1});
  }

  const auto parts = splitOfficeTexts(texts);
  OfficeCatalog catalog;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    Product p{.id = rows[i].asin, .title = parts[i].title, .description = parts[i].remainder};
    if (has_meta[i]) {
      p.category = "c" + std::to_string(texts[i].category_id);
      if (texts[i].brand_id != 0) p.brand = "b" + std::to_string(texts[i].brand_id);
    }
    out.products.push_back(std::move(p));
    catalog.asin_of[rows[i].item_id] = rows[i].asin;
    catalog.leaf_of[rows[i].item_id] = parts[i].leaf_category;
  }
  return catalog;
}

// One row of train.csv or dev.csv.
struct Interaction {
  std::string user;
  int64_t item_id = 0;
  int64_t ts_ms = 0;
};

// Calls `use(interaction)` for every row of a train.csv/dev.csv file, after
// checking that its item is in the catalog.
template <class Use>
std::expected<void, LoadError> readInteractions(const std::string& path,
                                                const OfficeCatalog& catalog, Use&& use) {
  auto reader = DelimitedReader::open(path, detail::tsv(true));
  if (!reader) return std::unexpected(std::move(reader.error()));
  auto cols = detail::headerColumns(*reader, {"user_id", "item_id", "time"});
  if (!cols) return std::unexpected(std::move(cols.error()));
  const auto& c = *cols;
  std::vector<std::string> row;
  while (true) {
    auto more = detail::nextRow(*reader, row, reader->header().size());
    if (!more) return std::unexpected(std::move(more.error()));
    if (!*more) break;
    if (row[c[0]].empty()) return std::unexpected(reader->error("user_id", "is empty"));
    auto item = detail::integerField(*reader, row, c[1], "item_id");
    if (!item) return std::unexpected(std::move(item.error()));
    if (!catalog.asin_of.contains(*item)) {
      return std::unexpected(reader->error(
          "item_id", std::to_string(*item) + " is not an item of Office.item2index"));
    }
    auto seconds = detail::integerField(*reader, row, c[2], "time");
    if (!seconds) return std::unexpected(std::move(seconds.error()));
    use(Interaction{.user = row[c[0]], .item_id = *item, .ts_ms = *seconds * kMsPerSecond});
  }
  return {};
}

// Rewrites real-time events (purchases, then each user's dev search) on the
// end-aligned clock; adds a training search before every purchase but a
// user's first. Returns the number of training searches.
int64_t alignToEnd(std::vector<Event>& events, const OfficeCatalog& catalog,
                   const std::unordered_map<std::string, int64_t>& item_id_of) {
  std::map<std::string, std::vector<Event>> by_user;  // ordered: deterministic output
  std::stable_sort(events.begin(), events.end(),
                   [](const Event& a, const Event& b) { return a.ts_ms < b.ts_ms; });
  for (auto& e : events) by_user[e.user].push_back(std::move(e));
  events.clear();
  int64_t training_searches = 0;
  for (auto& [user, own] : by_user) {
    std::vector<Event> purchases, searches;
    for (auto& e : own) (e.isSearch() ? searches : purchases).push_back(std::move(e));
    const auto n = static_cast<int64_t>(purchases.size());
    for (int64_t j = 0; j < n; ++j) {
      Event& p = purchases[static_cast<std::size_t>(j)];
      p.ts_ms = kAlignedSearchMs - (n - j) * kMsPerDay;
      const std::string& leaf = catalog.leaf_of.at(item_id_of.at(p.item));
      if (j > 0 && !leaf.empty()) {
        events.push_back(Event{.type = Event::Type::kSearch,
                               .user = user,
                               .ts_ms = p.ts_ms - kMsPerMinute,
                               .item = p.item,
                               .query = leaf});
        ++training_searches;
      }
      events.push_back(std::move(p));
    }
    for (auto& s : searches) {
      s.ts_ms = kAlignedSearchMs + kMsPerMinute;
      events.push_back(std::move(s));
    }
  }
  return training_searches;
}

}  // namespace

std::expected<DataSet, LoadError> convertAmazonOffice(const std::string& dir, OfficeClock clock) {
  if (auto ok = detail::requireDirectory(dir); !ok) return std::unexpected(std::move(ok.error()));
  DataSet out;
  auto catalog = readOfficeCatalog(dir, out);
  if (!catalog) return std::unexpected(std::move(catalog.error()));

  int64_t purchases = 0;
  auto train = readInteractions(dir + "/train.csv", *catalog, [&](const Interaction& row) {
    out.events.push_back(Event{.type = Event::Type::kPurchase,
                               .user = row.user,
                               .ts_ms = row.ts_ms,
                               .item = catalog->asin_of.at(row.item_id)});
    ++purchases;
  });
  if (!train) return std::unexpected(std::move(train.error()));

  int64_t searches = 0;
  auto dev = readInteractions(dir + "/dev.csv", *catalog, [&](const Interaction& row) {
    out.events.push_back(Event{.type = Event::Type::kSearch,
                               .user = row.user,
                               .ts_ms = row.ts_ms,
                               .item = catalog->asin_of.at(row.item_id),
                               .query = catalog->leaf_of.at(row.item_id)});
    ++searches;
  });
  if (!dev) return std::unexpected(std::move(dev.error()));

  int64_t training_searches = -1;
  if (clock == OfficeClock::kEndAligned) {
    std::unordered_map<std::string, int64_t> item_id_of;
    for (const auto& [id, asin] : catalog->asin_of) item_id_of[asin] = id;
    training_searches = alignToEnd(out.events, *catalog, item_id_of);
  }
  // Stable: a target bought the same day as the last history item still
  // comes after it.
  sortAndAssignSessions(out.events);
  std::unordered_set<std::string> users;
  for (const auto& e : out.events) users.insert(e.user);
  out.addCount("products", static_cast<int64_t>(out.products.size()));
  out.addCount("users", static_cast<int64_t>(users.size()));
  out.addCount("history purchases", purchases);
  if (training_searches >= 0) out.addCount("training searches", training_searches);
  out.addCount("target searches", searches);
  out.addCount("events", static_cast<int64_t>(out.events.size()));
  return out;
}

}  // namespace rr::scoring::data
