// rerank-convert: turns the public data sets in ../shared/data into the
// catalog and event-log files rerank-train reads (see the README).
//
//   rerank-convert bestbuy --data ../shared/data/bestbuy-xbox --out data/bestbuy
//   rerank-convert amazon-scientific --data ../shared/data/amazon-scientific --out data/sci
//
// bestbuy: products.csv (latin-1, each SKU listed twice) -> catalog; each row
// of clicks.csv -> a search with its clicked SKU at query_time plus a click at
// click_time; queries_unlabelled.csv -> searches without a click. Sessions
// split after 30 minutes without a search.

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include "connectors/json_writer.h"

namespace {

using rr::connectors::appendJsonString;

struct Row {
  std::size_t line = 0;
  std::vector<std::string> fields;
};

std::string latin1ToUtf8(const std::string& in) {
  std::string out;
  for (unsigned char c : in) {
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back(static_cast<char>(0xC0 | (c >> 6)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }
  return out;
}

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r");
  auto e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

// Plain delimited rows: these files quote nothing that holds the delimiter.
bool readRows(const std::string& path, char sep, std::size_t min_fields, bool latin1,
              std::vector<Row>& rows, std::string& error, bool header = true) {
  std::ifstream in(path);
  if (!in) {
    error = "cannot open " + path;
    return false;
  }
  std::string line;
  std::size_t n = 0;
  if (header) {
    std::getline(in, line);
    ++n;
  }
  while (std::getline(in, line)) {
    ++n;
    if (trim(line).empty()) continue;
    if (latin1) line = latin1ToUtf8(line);
    Row row{n, {}};
    std::stringstream ss(line);
    std::string field;
    while (std::getline(ss, field, sep)) row.fields.push_back(field);
    if (!line.empty() && line.back() == sep) row.fields.emplace_back();
    if (row.fields.size() < min_fields) {
      error = path + ":" + std::to_string(n) + ": expected " + std::to_string(min_fields) +
              " fields, found " + std::to_string(row.fields.size());
      return false;
    }
    rows.push_back(std::move(row));
  }
  return true;
}

// "2011-08-11 03:59:04.27" (UTC) -> epoch ms; -1 when malformed.
int64_t parseTime(const std::string& text) {
  int y, mo, d, h, mi;
  double s;
  if (std::sscanf(text.c_str(), "%d-%d-%d %d:%d:%lf", &y, &mo, &d, &h, &mi, &s) != 6) return -1;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  return static_cast<int64_t>(timegm(&tm)) * 1000 + static_cast<int64_t>(s * 1000.0 + 0.5);
}

struct Event {
  int64_t ts = 0;
  std::string json;
};

std::string productLine(const std::string& id, const std::string& title,
                        const std::string& description, const std::string& brand,
                        const std::string& category) {
  std::string out = "{\"id\":";
  appendJsonString(out, id);
  out += ",\"title\":";
  appendJsonString(out, title);
  out += ",\"description\":";
  appendJsonString(out, description);
  out += ",\"brand\":";
  appendJsonString(out, brand);
  out += ",\"category\":";
  appendJsonString(out, category);
  return out + "}\n";
}

std::string eventLine(const char* type, const std::string& user, const std::string& session,
                      int64_t ts, const std::string& item, const std::string* query) {
  std::string out = "{\"type\":\"" + std::string(type) + "\",\"user\":";
  appendJsonString(out, user);
  out += ",\"session\":";
  appendJsonString(out, session);
  out += ",\"ts\":" + std::to_string(ts);
  if (query) {
    out += ",\"query\":";
    appendJsonString(out, *query);
    if (!item.empty()) {
      out += ",\"clicked\":";
      appendJsonString(out, item);
    }
  } else {
    out += ",\"item\":";
    appendJsonString(out, item);
  }
  return out + "}\n";
}

bool writeAll(const std::string& dir, const std::string& catalog, std::vector<Event>& events,
              std::string& error) {
  std::filesystem::create_directories(dir);
  std::stable_sort(events.begin(), events.end(),
                   [](const Event& a, const Event& b) { return a.ts < b.ts; });
  std::ofstream c(dir + "/catalog.jsonl", std::ios::trunc);
  std::ofstream e(dir + "/events.jsonl", std::ios::trunc);
  if (!c || !e) {
    error = "cannot write into " + dir;
    return false;
  }
  c << catalog;
  for (const auto& ev : events) e << ev.json;
  return true;
}

int convertBestBuy(const std::string& data, const std::string& out) {
  std::vector<Row> products, clicks, unlabelled;
  std::string error;
  if (!readRows(data + "/products.csv", ',', 9, true, products, error) ||
      !readRows(data + "/clicks.csv", ',', 6, true, clicks, error) ||
      !readRows(data + "/queries_unlabelled.csv", ',', 5, true, unlabelled, error)) {
    std::cerr << "rerank-convert: " << error << "\n";
    return 2;
  }
  std::string catalog;
  std::set<std::string> skus;
  for (const auto& r : products) {
    const auto& f = r.fields;
    if (!skus.insert(f[0]).second) continue;
    catalog += productLine(f[0], trim(f[2]), trim(f[4]), trim(f[5]), trim(f[6]));
  }
  // Searches per user in time order, for sessions.
  struct Search {
    int64_t query_ts, click_ts;
    std::string user, query, sku;
  };
  std::vector<Search> searches;
  auto parse = [&](const std::string& file, const Row& r, std::size_t qi, std::size_t ci) {
    int64_t q = parseTime(r.fields[qi]), c = parseTime(r.fields[ci]);
    if (q < 0) {
      std::cerr << "rerank-convert: " << file << ":" << r.line << ": bad query_time '"
                << r.fields[qi] << "'\n";
      return false;
    }
    searches.push_back({q, c, r.fields[0], r.fields[qi == 5 ? 3 : 2], qi == 5 ? r.fields[1] : ""});
    return true;
  };
  for (const auto& r : clicks) {
    if (!parse(data + "/clicks.csv", r, 5, 4)) return 2;
  }
  for (const auto& r : unlabelled) {
    if (!parse(data + "/queries_unlabelled.csv", r, 4, 3)) return 2;
  }
  std::stable_sort(searches.begin(), searches.end(), [](const Search& a, const Search& b) {
    return a.user != b.user ? a.user < b.user : a.query_ts < b.query_ts;
  });
  std::vector<Event> events;
  std::string last_user;
  int64_t last_ts = 0;
  int session = 0;
  std::size_t labelled = 0;
  for (const auto& s : searches) {
    if (s.user != last_user || s.query_ts - last_ts > 30 * 60 * 1000) {
      session = s.user != last_user ? 0 : session + 1;
    }
    last_user = s.user;
    last_ts = s.query_ts;
    const std::string sid = s.user + "#" + std::to_string(session);
    events.push_back({s.query_ts, eventLine("search", s.user, sid, s.query_ts, s.sku, &s.query)});
    if (!s.sku.empty()) {
      ++labelled;
      const int64_t click_ts = s.click_ts >= s.query_ts ? s.click_ts : s.query_ts + 1;
      events.push_back({click_ts, eventLine("click", s.user, sid, click_ts, s.sku, nullptr)});
    }
  }
  if (!writeAll(out, catalog, events, error)) {
    std::cerr << "rerank-convert: " << error << "\n";
    return 2;
  }
  std::printf("[convert] bestbuy: %zu products, %zu searches (%zu with a click), %zu events -> %s\n",
              skus.size(), searches.size(), labelled, events.size(), out.c_str());
  return 0;
}

std::vector<std::string> splitSpaces(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string w;
  while (ss >> w) out.push_back(w);
  return out;
}

// The Amazon sets carry no times: each user's history is laid on a
// synthetic clock that ends at the same instant for everyone (purchase i of
// n at kEnd - (n - i) days), so "the last days before the end" are every
// user's latest purchases (a validation split), and the evaluation searches
// all happen at kEnd (test split [kEnd, kEnd + 1 day)).
constexpr int64_t kDayMs = 86400000;
constexpr int64_t kAmazonEnd = 1600000000000;  // 2020-09-13T12:26:40Z

void emitHistory(const std::string& user, const std::vector<std::string>& asins,
                 std::unordered_map<std::string, std::string>& category_of,
                 std::vector<Event>& events, std::size_t& searches) {
  const auto n = static_cast<int64_t>(asins.size());
  for (int64_t i = 0; i < n; ++i) {
    const std::string& asin = asins[static_cast<std::size_t>(i)];
    const int64_t t = kAmazonEnd - (n - i) * kDayMs;
    const std::string session = user + "#" + std::to_string(i);
    if (i > 0) {  // a training search: the category names it, history picks it
      events.push_back({t - 60000, eventLine("search", user, session, t - 60000, asin,
                                             &category_of[asin])});
      ++searches;
    }
    events.push_back({t, eventLine("purchase", user, session, t, asin, nullptr)});
  }
}

int convertScientific(const std::string& data, const std::string& out) {
  std::vector<Row> text, index, valid;
  std::string error;
  if (!readRows(data + "/Scientific.text", '\t', 2, false, text, error) ||
      !readRows(data + "/Scientific.item2index", '\t', 2, false, index, error, false) ||
      !readRows(data + "/Scientific.valid.inter", '\t', 3, false, valid, error)) {
    std::cerr << "rerank-convert: " << error << "\n";
    return 2;
  }
  std::unordered_map<std::string, std::string> asin_of, category_of;
  for (const auto& r : index) asin_of[trim(r.fields[1])] = trim(r.fields[0]);
  std::string catalog;
  for (const auto& r : text) {
    // "title. category path. brand." (a title may itself hold ". ")
    std::string t = trim(r.fields[1]);
    if (!t.empty() && t.back() == '.') t.pop_back();
    const auto last = t.rfind(". ");
    const auto mid = last == std::string::npos || last == 0 ? std::string::npos
                                                            : t.rfind(". ", last - 1);
    if (mid == std::string::npos) {
      std::cerr << "rerank-convert: " << data << "/Scientific.text:" << r.line
                << ": expected 'title. category path. brand.'\n";
      return 2;
    }
    const std::string asin = trim(r.fields[0]);
    category_of[asin] = t.substr(mid + 2, last - mid - 2);
    catalog += productLine(asin, t.substr(0, mid), "", t.substr(last + 2), category_of[asin]);
  }
  // Each user's row in the valid split holds their whole known history and
  // the next item (the evaluation target); the test items are held back.
  std::vector<Event> events;
  std::size_t searches = 0;
  for (const auto& r : valid) {
    const std::string user = "u" + trim(r.fields[0]);
    std::vector<std::string> asins;
    for (const auto& idx : splitSpaces(r.fields[1])) {
      auto it = asin_of.find(idx);
      if (it == asin_of.end()) {
        std::cerr << "rerank-convert: Scientific.valid.inter:" << r.line << ": unknown item "
                  << idx << "\n";
        return 2;
      }
      asins.push_back(it->second);
    }
    auto target = asin_of.find(trim(r.fields[2]));
    if (target == asin_of.end()) {
      std::cerr << "rerank-convert: Scientific.valid.inter:" << r.line << ": unknown item\n";
      return 2;
    }
    emitHistory(user, asins, category_of, events, searches);
    events.push_back({kAmazonEnd + 60000,
                      eventLine("search", user, user + "#eval", kAmazonEnd + 60000,
                                target->second, &category_of[target->second])});
  }
  if (!writeAll(out, catalog, events, error)) {
    std::cerr << "rerank-convert: " << error << "\n";
    return 2;
  }
  std::printf("[convert] amazon-scientific: %zu products, %zu users, %zu training searches, "
              "%zu evaluation searches at 2020-09-13 -> %s\n",
              category_of.size(), valid.size(), searches, valid.size(), out.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string set = argc > 1 ? argv[1] : "", data, out;
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--data") {
      data = argv[i + 1];
    } else if (flag == "--out") {
      out = argv[i + 1];
    } else {
      std::cerr << "rerank-convert: unknown option " << flag << "\n";
      return 2;
    }
  }
  if (data.empty() || out.empty()) {
    std::cerr << "usage: rerank-convert bestbuy|amazon-scientific --data DIR --out DIR\n";
    return 2;
  }
  if (set == "bestbuy") return convertBestBuy(data, out);
  if (set == "amazon-scientific") return convertScientific(data, out);
  std::cerr << "rerank-convert: unknown data set '" << set
            << "' (known: bestbuy, amazon-scientific)\n";
  return 2;
}
