#include "scoring/data/amazon_scientific_converter.h"

#include <algorithm>
#include <map>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "scoring/data/delimited_reader.h"
#include "scoring/data/detail/converter_support.h"
#include "scoring/data/sessions.h"
#include "scoring/data/text_encoding.h"

namespace rr::scoring::data {
namespace {

constexpr std::string_view kRootCategory = "Industrial & Scientific";
constexpr int64_t kMsPerHour = 3600LL * 1000;
constexpr int64_t kMsPerDay = 24 * kMsPerHour;
// Every user's evaluation search happens at kSearchMs and their history lies
// on a daily clock ending just before it: the last days before kSearchMs are
// every user's latest purchases (a validation split for training) and
// [kSearchMs, kSearchMs + 1 day) is the evaluation split.
constexpr int64_t kSearchMs = 1600000000000LL;  // 2020-09-13T12:26:40Z

std::vector<std::string_view> splitOn(std::string_view text, std::string_view separator) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t at = text.find(separator, start);
    if (at == std::string_view::npos) {
      parts.push_back(text.substr(start));
      return parts;
    }
    parts.push_back(text.substr(start, at - start));
    start = at + separator.size();
  }
}

std::string joinParts(const std::vector<std::string_view>& parts, std::size_t from,
                      std::size_t to) {
  std::string out;
  for (std::size_t i = from; i < to; ++i) {
    if (i > from) out += ". ";
    out += parts[i];
  }
  return out;
}

// A user's sequence: history items then, when known, the target.
struct Sequence {
  std::vector<int64_t> history;
  std::optional<int64_t> target;
};

struct InterRow {
  int64_t user = 0;
  std::vector<int64_t> history;
  int64_t next = 0;
};

template <class Use>
std::expected<void, LoadError> readInter(const std::string& path,
                                         const std::unordered_map<int64_t, std::string>& items,
                                         Use&& use) {
  auto reader = DelimitedReader::open(path, detail::tsv(true));
  if (!reader) return std::unexpected(std::move(reader.error()));
  auto cols =
      detail::headerColumns(*reader, {"user_id:token", "item_id_list:token_seq", "item_id:token"});
  if (!cols) return std::unexpected(std::move(cols.error()));
  const auto& c = *cols;
  std::vector<std::string> row;
  while (true) {
    auto more = detail::nextRow(*reader, row, reader->header().size());
    if (!more) return std::unexpected(std::move(more.error()));
    if (!*more) break;
    auto user = detail::integerField(*reader, row, c[0], "user_id");
    if (!user) return std::unexpected(std::move(user.error()));
    auto history = detail::integerListField(*reader, row, c[1], "item_id_list");
    if (!history) return std::unexpected(std::move(history.error()));
    auto next = detail::integerField(*reader, row, c[2], "item_id");
    if (!next) return std::unexpected(std::move(next.error()));
    history->push_back(*next);
    for (int64_t item : *history) {
      if (!items.contains(item)) {
        return std::unexpected(reader->error(
            "item_id", std::to_string(item) + " is not an item of Scientific.item2index"));
      }
    }
    history->pop_back();
    use(InterRow{.user = *user, .history = std::move(*history), .next = *next});
  }
  return {};
}

}  // namespace

ScientificText splitScientificText(std::string_view text) {
  text = trim(text);
  if (!text.empty() && text.back() == '.') text.remove_suffix(1);
  const auto parts = splitOn(text, ". ");
  ScientificText out;
  if (parts.size() == 1) {
    out.title = std::string(parts[0]);
    return out;
  }
  if (parts.size() == 2) {
    out.title = std::string(parts[0]);
    out.brand = std::string(parts[1]);
    return out;
  }
  std::size_t category = parts.size() - 2;
  for (std::size_t k = parts.size() - 2; k >= 1; --k) {
    if (parts[k].starts_with(kRootCategory)) {
      category = k;
      break;
    }
  }
  out.title = joinParts(parts, 0, category);
  out.category_path = std::string(parts[category]);
  out.brand = joinParts(parts, category + 1, parts.size());
  return out;
}

namespace {

// Scientific.text -> out.products; returns ASIN -> category path.
std::expected<std::unordered_map<std::string, std::string>, LoadError> readScientificCatalog(
    const std::string& path, const detail::IndexFile& items, DataSet& out) {
  auto reader = DelimitedReader::open(path, detail::tsv(true));
  if (!reader) return std::unexpected(std::move(reader.error()));
  std::unordered_map<std::string, std::string> category_of;
  std::vector<std::string> row;
  int64_t without_category = 0;
  while (true) {
    auto more = detail::nextRow(*reader, row, 2);
    if (!more) return std::unexpected(std::move(more.error()));
    if (!*more) break;
    const std::string& asin = row[0];
    if (asin.empty()) return std::unexpected(reader->error("item_id", "is empty"));
    if (!items.by_key.contains(asin)) {
      return std::unexpected(
          reader->error("item_id", "'" + asin + "' is not in Scientific.item2index"));
    }
    if (category_of.contains(asin)) {
      return std::unexpected(reader->error("item_id", "'" + asin + "' is listed twice"));
    }
    ScientificText parts = splitScientificText(row[1]);
    without_category += parts.category_path.empty() ? 1 : 0;
    category_of[asin] = parts.category_path;
    out.products.push_back(Product{.id = asin,
                                   .title = std::move(parts.title),
                                   .brand = std::move(parts.brand),
                                   .category = std::move(parts.category_path)});
  }
  out.addCount("products", static_cast<int64_t>(out.products.size()));
  out.addCount("products without a category path", without_category);
  return category_of;
}

// Every user's whole sequence, by user index. valid.inter has one row per
// user but keeps only the last 50 history items; train.inter holds prefixes
// of the same sequences, sometimes one that starts earlier. Users missing
// from valid.inter get their longest train sequence, without a target.
std::expected<std::map<int64_t, Sequence>, LoadError> readSequences(
    const std::string& dir, const detail::IndexFile& items, DataSet& out) {
  std::map<int64_t, Sequence> sequences;
  auto valid = readInter(dir + "/Scientific.valid.inter", items.by_value, [&](InterRow row) {
    sequences[row.user] = Sequence{.history = std::move(row.history), .target = row.next};
  });
  if (!valid) return std::unexpected(std::move(valid.error()));
  std::map<int64_t, std::vector<int64_t>> longest_train;
  auto train = readInter(dir + "/Scientific.train.inter", items.by_value, [&](InterRow row) {
    row.history.push_back(row.next);
    auto& longest = longest_train[row.user];
    if (row.history.size() > longest.size()) longest = std::move(row.history);
  });
  if (!train) return std::unexpected(std::move(train.error()));

  int64_t completed = 0;
  int64_t disagreeing = 0;
  for (auto& [user, train_sequence] : longest_train) {
    auto it = sequences.find(user);
    if (it == sequences.end()) {
      sequences[user] = Sequence{.history = std::move(train_sequence)};
      continue;
    }
    auto& history = it->second.history;
    const auto cut = static_cast<std::ptrdiff_t>(history.size());
    if (train_sequence.size() <= history.size()) {
      if (!std::equal(train_sequence.begin(), train_sequence.end(), history.begin())) {
        ++disagreeing;
      }
    } else if (std::equal(history.begin(), history.end(), train_sequence.end() - cut)) {
      history = std::move(train_sequence);
      ++completed;
    } else {
      ++disagreeing;
    }
  }
  out.addCount("histories completed from train.inter", completed);
  out.addCount("train sequences disagreeing with valid.inter", disagreeing);
  return sequences;
}

}  // namespace

std::expected<DataSet, LoadError> convertAmazonScientific(const std::string& dir) {
  if (auto ok = detail::requireDirectory(dir); !ok) return std::unexpected(std::move(ok.error()));
  auto items = detail::readIndexFile(dir + "/Scientific.item2index");
  if (!items) return std::unexpected(std::move(items.error()));
  auto users = detail::readIndexFile(dir + "/Scientific.user2index");
  if (!users) return std::unexpected(std::move(users.error()));
  DataSet out;
  auto category_of = readScientificCatalog(dir + "/Scientific.text", *items, out);
  if (!category_of) return std::unexpected(std::move(category_of.error()));
  auto sequences = readSequences(dir, *items, out);
  if (!sequences) return std::unexpected(std::move(sequences.error()));

  int64_t purchases = 0;
  int64_t searches = 0;
  int64_t training_searches = 0;
  int64_t targets_without_category = 0;
  for (const auto& [user_index, sequence] : *sequences) {
    auto user = users->by_value.find(user_index);
    if (user == users->by_value.end()) {
      return std::unexpected(
          LoadError{.file = dir + "/Scientific.user2index",
                    .message = "user index " + std::to_string(user_index) +
                               " of the .inter files is missing"});
    }
    const int64_t search_ms = kSearchMs;
    const auto n = static_cast<int64_t>(sequence.history.size());
    for (int64_t j = 0; j < n; ++j) {
      const int64_t item = sequence.history[static_cast<std::size_t>(j)];
      const std::string& asin = items->by_value.at(item);
      const int64_t ts = search_ms - (n - j) * kMsPerDay;
      // Each purchase after the first is also a training search: its
      // category path as the query, the purchase as the click.
      auto category = category_of->find(asin);
      if (j > 0 && category != category_of->end() && !category->second.empty()) {
        out.events.push_back(Event{.type = Event::Type::kSearch,
                                   .user = user->second,
                                   .ts_ms = ts - 60000,
                                   .item = asin,
                                   .query = category->second});
        ++training_searches;
      }
      out.events.push_back(Event{.type = Event::Type::kPurchase,
                                 .user = user->second,
                                 .ts_ms = ts,
                                 .item = asin});
      ++purchases;
    }
    if (!sequence.target) continue;
    const std::string& target = items->by_value.at(*sequence.target);
    auto category = category_of->find(target);
    if (category == category_of->end() || category->second.empty()) {
      ++targets_without_category;
      continue;
    }
    out.events.push_back(Event{.type = Event::Type::kSearch,
                               .user = user->second,
                               .ts_ms = search_ms + 60000,
                               .item = target,
                               .query = category->second});
    ++searches;
  }

  sortAndAssignSessions(out.events);
  out.addCount("users", static_cast<int64_t>(sequences->size()));
  out.addCount("history purchases", purchases);
  out.addCount("training searches", training_searches);
  out.addCount("target searches", searches);
  out.addCount("targets without a category path (no search)", targets_without_category);
  out.addCount("events", static_cast<int64_t>(out.events.size()));
  return out;
}

}  // namespace rr::scoring::data
