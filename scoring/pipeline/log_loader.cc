#include "scoring/pipeline/log_loader.h"

#include <simdjson.h>

#include <algorithm>
#include <fstream>

namespace rr::scoring::pipeline {
namespace {

namespace od = simdjson::ondemand;

std::string where(const std::string& path, std::size_t line) {
  return path + ":" + std::to_string(line);
}

// Calls `on_object(object, line_number)` for each non-blank line.
template <class F>
std::expected<void, std::string> forEachLine(const std::string& path, F&& on_object) {
  std::ifstream in(path);
  if (!in) return std::unexpected("cannot open " + path);
  od::parser parser;
  std::string line;
  std::size_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    simdjson::padded_string padded(line);
    od::document doc;
    od::object obj;
    if (parser.iterate(padded).get(doc) || doc.get_object().get(obj)) {
      return std::unexpected(where(path, n) + ": not a JSON object");
    }
    if (auto r = on_object(obj, n); !r) return std::unexpected(where(path, n) + ": " + r.error());
  }
  return {};
}

std::expected<std::string, std::string> stringField(od::value v, const char* name) {
  std::string_view s;
  if (v.get_string().get(s)) return std::unexpected(std::string("field \"") + name + "\": expected a string");
  return std::string(s);
}

}  // namespace

std::expected<std::vector<scoring::ItemText>, std::string> loadCatalogFile(const std::string& path) {
  std::vector<scoring::ItemText> out;
  auto r = forEachLine(path, [&](od::object obj, std::size_t) -> std::expected<void, std::string> {
    scoring::ItemText item;
    for (auto field : obj) {
      std::string_view key;
      if (field.unescaped_key().get(key)) return std::unexpected("malformed key");
      od::value v;
      if (field.value().get(v)) return std::unexpected("malformed value of \"" + std::string(key) + "\"");
      std::expected<std::string, std::string> s;
      if (key == "id" || key == "title" || key == "description" || key == "brand" ||
          key == "category") {
        s = stringField(v, std::string(key).c_str());
        if (!s) return std::unexpected(s.error());
        if (key == "id") item.id = *s;
        if (key == "title") item.title = *s;
        if (key == "description") item.description = *s;
        if (key == "brand") item.brand = *s;
        if (key == "category") item.category = *s;
      } else if (key == "price") {
        double d = 0;
        if (v.get_double().get(d)) return std::unexpected("field \"price\": expected a number");
        item.price = d;
      }
    }
    if (item.id.empty()) return std::unexpected("field \"id\" is missing");
    out.push_back(std::move(item));
    return {};
  });
  if (!r) return std::unexpected(r.error());
  return out;
}

std::expected<std::vector<LogEvent>, std::string> loadEventsFile(const std::string& path) {
  std::vector<LogEvent> out;
  auto r = forEachLine(path, [&](od::object obj, std::size_t) -> std::expected<void, std::string> {
    LogEvent e;
    bool have_type = false, have_ts = false;
    std::string clicked;
    for (auto field : obj) {
      std::string_view key;
      if (field.unescaped_key().get(key)) return std::unexpected("malformed key");
      od::value v;
      if (field.value().get(v)) return std::unexpected("malformed value of \"" + std::string(key) + "\"");
      if (key == "ts") {
        if (v.get_int64().get(e.ts_ms)) return std::unexpected("field \"ts\": expected an integer");
        have_ts = true;
        continue;
      }
      if (key == "impressions") continue;
      if (key != "type" && key != "user" && key != "session" && key != "item" &&
          key != "query" && key != "clicked") {
        continue;
      }
      auto s = stringField(v, std::string(key).c_str());
      if (!s) return std::unexpected(s.error());
      if (key == "type") {
        have_type = true;
        if (*s == "search") e.kind = LogEvent::Kind::kSearch;
        else if (*s == "view") e.kind = LogEvent::Kind::kView;
        else if (*s == "click") e.kind = LogEvent::Kind::kClick;
        else if (*s == "cart") e.kind = LogEvent::Kind::kCart;
        else if (*s == "purchase") e.kind = LogEvent::Kind::kPurchase;
        else return std::unexpected("field \"type\": unknown event type '" + *s + "'");
      } else if (key == "user") {
        e.user = *s;
      } else if (key == "session") {
        e.session = *s;
      } else if (key == "item") {
        e.item = *s;
      } else if (key == "query") {
        e.query = *s;
      } else if (key == "clicked") {
        clicked = *s;
      }
    }
    if (!have_type) return std::unexpected("field \"type\" is missing");
    if (!have_ts) return std::unexpected("field \"ts\" is missing");
    if (e.user.empty()) return std::unexpected("field \"user\" is missing");
    if (e.kind == LogEvent::Kind::kSearch) {
      e.item = clicked;
    } else if (e.item.empty()) {
      return std::unexpected("field \"item\" is missing");
    }
    out.push_back(std::move(e));
    return {};
  });
  if (!r) return std::unexpected(r.error());
  std::stable_sort(out.begin(), out.end(),
                   [](const LogEvent& a, const LogEvent& b) { return a.ts_ms < b.ts_ms; });
  return out;
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
