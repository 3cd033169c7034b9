#include "scoring/data/retrotech_catalog.h"

#include <array>
#include <cctype>
#include <unordered_set>

#include "scoring/data/delimited_reader.h"
#include "scoring/data/detail/converter_support.h"
#include "scoring/data/text_encoding.h"

namespace rr::scoring::data {
namespace {

struct Department {
  std::string_view name;
  std::array<std::string_view, 12> keywords;  // lower-case words of the name
};

// In order of precedence.
constexpr std::array<Department, 11> kDepartments{{
    {"Movies", {"dvd", "blu-ray", "umd", "widescreen", "fullscreen"}},
    {"Music", {"cd", "vinyl", "lp", "cassette"}},
    {"Video Games", {"playstation", "xbox", "nintendo", "wii", "psp", "ds", "3ds", "gamecube"}},
    {"Accessories",
     {"case", "cable", "battery", "batteries", "charger", "adapter", "mount", "sleeve", "bag",
      "stand", "cover", "protector"}},
    {"TVs", {"hdtv", "tv", "television", "plasma", "projector"}},
    {"Computers",
     {"laptop", "notebook", "desktop", "computer", "processor", "tablet", "ipad", "monitor",
      "printer", "router", "drive", "memory"}},
    {"Cameras", {"camera", "camcorder", "lens", "megapixel", "dslr", "tripod"}},
    {"Phones", {"phone", "iphone", "smartphone", "mobile", "cell", "cellular"}},
    {"Audio",
     {"headphones", "earbuds", "speaker", "speakers", "radio", "receiver", "ipod", "stereo",
      "amplifier", "subwoofer", "turntable", "mp3"}},
    {"Appliances",
     {"refrigerator", "washer", "dryer", "range", "dishwasher", "microwave", "oven", "freezer",
      "cooktop", "vacuum", "hood", "blender"}},
    {"Car Electronics", {"car", "dash", "vehicles", "vehicle", "gps", "navigator"}},
}};

std::vector<std::string> lowerWords(std::string_view text) {
  std::vector<std::string> words;
  std::string word;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-') {
      word.push_back(static_cast<char>(std::tolower(u)));
    } else if (!word.empty()) {
      words.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  return words;
}

std::string cleanText(std::string_view raw) { return collapseSpaces(decodeHtmlEntities(raw)); }

}  // namespace

std::string retrotechCategory(std::string_view name) {
  const auto words = lowerWords(name);
  for (const auto& department : kDepartments) {
    for (const auto& keyword : department.keywords) {
      if (keyword.empty()) continue;
      for (const auto& word : words) {
        if (word == keyword) return std::string(department.name);
      }
    }
  }
  return "Other";
}

std::expected<std::vector<Product>, LoadError> readRetrotechCatalog(const std::string& csv_path) {
  DelimitedOptions options{.separator = ',',
                           .quoting = DelimitedOptions::Quoting::kBackslash,
                           .encoding = DelimitedOptions::Encoding::kUtf8};
  auto reader = DelimitedReader::open(csv_path, options);
  if (!reader) return std::unexpected(std::move(reader.error()));
  auto cols = detail::headerColumns(
      *reader, {"upc", "name", "manufacturer", "short_description", "long_description"});
  if (!cols) return std::unexpected(std::move(cols.error()));
  const auto& c = *cols;
  std::vector<Product> products;
  std::unordered_set<std::string> seen;
  std::vector<std::string> row;
  while (true) {
    auto more = detail::nextRow(*reader, row, reader->header().size());
    if (!more) return std::unexpected(std::move(more.error()));
    if (!*more) break;
    if (row[c[0]].empty()) return std::unexpected(reader->error("upc", "is empty"));
    if (!seen.insert(row[c[0]]).second) continue;
    Product p{.id = row[c[0]], .title = cleanText(row[c[1]])};
    if (p.title.empty()) return std::unexpected(reader->error("name", "is empty"));
    p.description = cleanText(row[c[3]]);
    if (p.description.empty()) p.description = cleanText(row[c[4]]);
    p.brand = cleanText(row[c[2]]);
    if (lowerWords(p.brand) == std::vector<std::string>{"unknown"}) p.brand.clear();
    p.category = retrotechCategory(p.title);
    products.push_back(std::move(p));
  }
  return products;
}

}  // namespace rr::scoring::data
