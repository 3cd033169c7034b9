#include "scoring/pipeline/log_loader.h"

#include <algorithm>

#include "scoring/data/catalog_io.h"
#include "scoring/data/event_io.h"
#include "scoring/data/impressions.h"

namespace rr::scoring::pipeline {
namespace {

LogEvent::Kind kindOf(data::Event::Type t) {
  switch (t) {
    case data::Event::Type::kSearch: return LogEvent::Kind::kSearch;
    case data::Event::Type::kView: return LogEvent::Kind::kView;
    case data::Event::Type::kClick: return LogEvent::Kind::kClick;
    case data::Event::Type::kCart: return LogEvent::Kind::kCart;
    case data::Event::Type::kPurchase: return LogEvent::Kind::kPurchase;
  }
  return LogEvent::Kind::kView;
}

}  // namespace

std::vector<scoring::ItemText> toItemTexts(std::vector<data::Product> products) {
  std::vector<scoring::ItemText> out;
  out.reserve(products.size());
  for (auto& p : products) {
    out.push_back({.id = std::move(p.id),
                   .title = std::move(p.title),
                   .description = std::move(p.description),
                   .brand = std::move(p.brand),
                   .category = std::move(p.category),
                   .price = p.price});
  }
  return out;
}

namespace {

LogEvent toLogEvent(data::Event&& e) {
  return {.kind = kindOf(e.type),
          .user = std::move(e.user),
          .session = std::move(e.session),
          .item = std::move(e.item),
          .query = std::move(e.query),
          .ts_ms = e.ts_ms,
          .impressions = std::move(e.impressions),
          .from = e.from};
}

void sortByTime(std::vector<LogEvent>& events) {
  std::stable_sort(events.begin(), events.end(),
                   [](const LogEvent& a, const LogEvent& b) { return a.ts_ms < b.ts_ms; });
}

}  // namespace

std::vector<LogEvent> toLogEvents(std::vector<data::Event> events) {
  std::vector<LogEvent> out;
  out.reserve(events.size());
  for (auto& e : events) out.push_back(toLogEvent(std::move(e)));
  sortByTime(out);
  return out;
}

std::expected<std::vector<scoring::ItemText>, std::string> loadCatalogFile(const std::string& path) {
  auto products = data::readCatalog(path);
  if (!products) return std::unexpected(products.error().toString());
  return toItemTexts(std::move(*products));
}

std::expected<std::vector<LogEvent>, std::string> loadEventsFile(const std::string& path,
                                                                 std::size_t* joined) {
  std::vector<data::Event> events;
  auto n = data::streamEvents(path, [&](data::Event&& e) { events.push_back(std::move(e)); });
  if (!n) return std::unexpected(n.error().toString());
  // Served searches (with impressions) learn their click from the click
  // events that follow them; a log without impressions is left as it is.
  const std::size_t clicks = data::joinClicksToImpressions(events);
  if (joined) *joined = clicks;
  return toLogEvents(std::move(events));
}

std::vector<std::string> labelledQueries(const std::vector<LogEvent>& events, int64_t from_ms,
                                         int64_t to_ms) {
  std::vector<std::string> out;
  for (const auto& e : events) {
    if (e.kind == LogEvent::Kind::kSearch && !e.item.empty() && e.ts_ms >= from_ms &&
        e.ts_ms < to_ms) {
      out.push_back(e.query);
    }
  }
  return out;
}

}  // namespace rr::scoring::pipeline
