#include "tests/support/test_catalog.h"

#include <cstdio>
#include <fstream>
#include <random>
#include <set>
#include <sstream>

#include "connectors/json_writer.h"

namespace rr::testing {
namespace {

// Latin-1 -> UTF-8, so the engine gets valid JSON strings.
std::string latin1ToUtf8(const std::string& in) {
  std::string out;
  out.reserve(in.size());
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

std::vector<std::string> splitCsv(const std::string& line) {
  // The file quotes no field that contains a comma; quotes inside fields are
  // literal text, so a plain split is exact here.
  std::vector<std::string> out;
  std::stringstream ss(line);
  std::string field;
  while (std::getline(ss, field, ',')) out.push_back(field);
  if (!line.empty() && line.back() == ',') out.emplace_back();
  return out;
}

std::vector<Product> loadBestBuy(const std::string& path) {
  std::ifstream in(path);
  std::vector<Product> out;
  if (!in) return out;
  std::string line;
  std::getline(in, line);  // header
  std::set<std::string> seen;
  while (std::getline(in, line)) {
    auto f = splitCsv(latin1ToUtf8(line));
    if (f.size() < 9 || !seen.insert(f[0]).second) continue;
    Product p;
    p.sku = f[0];
    p.name = trim(f[2]);
    p.description = trim(f[4]);
    p.manufacturer = trim(f[5]);
    p.genre = trim(f[6]);
    p.rating = f[8].empty() ? 0 : std::stod(f[8]);
    out.push_back(std::move(p));
  }
  return out;
}

std::vector<Product> generate(std::size_t n) {
  static const char* kAdjectives[] = {"ultimate", "legendary", "galactic",
                                      "silent",   "crimson",   "frozen",
                                      "turbo",    "ancient",   "neon"};
  static const char* kNouns[] = {"racer",  "warrior", "kingdom", "soccer",
                                 "sniper", "dragon",  "island",  "garage",
                                 "legend", "circuit"};
  static const char* kMakers[] = {"Microsoft", "Electronic Arts", "Ubisoft",
                                  "Activision", "Sega"};
  static const char* kGenres[] = {"Sports", "Racing", "Shooter", "Strategy"};
  std::mt19937 rng(42);
  std::vector<Product> out;
  for (std::size_t i = 0; i < n; ++i) {
    Product p;
    p.sku = std::to_string(1000000 + i);
    p.name = std::string(kAdjectives[rng() % 9]) + " " + kNouns[rng() % 10] +
             " " + std::to_string(i) + " xbox";
    p.description = std::string("a ") + kAdjectives[rng() % 9] + " game of " +
                    kNouns[rng() % 10];
    p.manufacturer = kMakers[rng() % 5];
    p.genre = kGenres[rng() % 4];
    p.rating = static_cast<double>(rng() % 50) / 10.0;
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace

TestCatalog loadTestCatalog(std::size_t generated_size) {
  const std::string path =
      std::string(RR_SOURCE_DIR) + "/../shared/data/bestbuy-xbox/products.csv";
  TestCatalog catalog;
  catalog.products = loadBestBuy(path);
  if (!catalog.products.empty()) {
    catalog.origin = "bestbuy-xbox";
  } else {
    std::fprintf(stderr,
                 "note: %s not found; using a generated catalog of %zu items\n",
                 path.c_str(), generated_size);
    catalog.products = generate(generated_size);
    catalog.origin = "generated";
  }
  return catalog;
}

std::string toJson(const Product& p) {
  using connectors::appendJsonString;
  std::string out = "{\"sku\":";
  appendJsonString(out, p.sku);
  out += ",\"name\":";
  appendJsonString(out, p.name);
  out += ",\"description\":";
  appendJsonString(out, p.description);
  out += ",\"manufacturer\":";
  appendJsonString(out, p.manufacturer);
  out += ",\"genre\":";
  appendJsonString(out, p.genre);
  out += ",\"rating\":" + std::to_string(p.rating) + "}";
  return out;
}

std::string catalogIndexBody() {
  return R"({"settings":{"number_of_shards":1,"number_of_replicas":0},
  "mappings":{"properties":{
    "sku":{"type":"keyword"},
    "name":{"type":"text"},
    "description":{"type":"text"},
    "manufacturer":{"type":"keyword"},
    "genre":{"type":"keyword"},
    "rating":{"type":"float"}}}})";
}

}  // namespace rr::testing
