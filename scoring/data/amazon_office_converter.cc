#include "scoring/data/amazon_office_converter.h"

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

}  // namespace

std::expected<DataSet, LoadError> convertAmazonOffice(const std::string& dir) {
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

  // Stable: a target bought the same day as the last history item still
  // comes after it.
  sortAndAssignSessions(out.events);
  std::unordered_set<std::string> users;
  for (const auto& e : out.events) users.insert(e.user);
  out.addCount("products", static_cast<int64_t>(out.products.size()));
  out.addCount("users", static_cast<int64_t>(users.size()));
  out.addCount("history purchases", purchases);
  out.addCount("target searches", searches);
  out.addCount("events", static_cast<int64_t>(out.events.size()));
  return out;
}

}  // namespace rr::scoring::data
