#include "scoring/data/catalog_generator.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <string>
#include <string_view>

#include "scoring/data/random.h"

namespace rr::scoring::data {
namespace {

struct CategorySpec {
  std::string_view name;
  std::string_view noun;
  double typical_price;
  std::array<std::string_view, 8> features;
};

constexpr std::array<CategorySpec, 10> kCategories{{
    {"Headphones", "Headphones", 120,
     {"Wireless", "Noise-Cancelling", "Over-Ear", "Bluetooth", "Sport", "Studio", "Foldable",
      "Kids"}},
    {"Laptops", "Laptop", 900,
     {"Thin", "Gaming", "Touchscreen", "Business", "Convertible", "Lightweight", "Student",
      "Performance"}},
    {"Cameras", "Camera", 600,
     {"Mirrorless", "Compact", "Waterproof", "Zoom", "Instant", "Action", "Travel", "Vlogging"}},
    {"Phones", "Smartphone", 700,
     {"Unlocked", "Dual-SIM", "Rugged", "Compact", "Flagship", "Budget", "Foldable", "5G"}},
    {"TVs", "TV", 800,
     {"OLED", "QLED", "Smart", "4K", "Curved", "Outdoor", "Mini-LED", "Frameless"}},
    {"Speakers", "Speaker", 150,
     {"Portable", "Bluetooth", "Waterproof", "Smart", "Bookshelf", "Party", "Outdoor", "Mini"}},
    {"Monitors", "Monitor", 350,
     {"Ultrawide", "Gaming", "Curved", "4K", "Portable", "Professional", "Touchscreen", "Dual"}},
    {"Keyboards", "Keyboard", 90,
     {"Mechanical", "Wireless", "Ergonomic", "Backlit", "Compact", "Gaming", "Silent", "Split"}},
    {"Tablets", "Tablet", 450,
     {"Kids", "Drawing", "Rugged", "Lightweight", "Pro", "Reading", "Detachable", "Budget"}},
    {"Watches", "Smartwatch", 250,
     {"Fitness", "GPS", "Sport", "Classic", "Kids", "Solar", "Diving", "Hybrid"}},
}};

struct BrandSpec {
  std::string_view name;
  std::string_view model_prefix;
  double price_factor;  // premium brands cost more
};

constexpr std::array<BrandSpec, 12> kBrands{{
    {"Zentra", "ZX", 1.35},   {"Arcadia", "AR", 1.2},  {"Nordwave", "NW", 1.0},
    {"Pixelon", "PX", 0.85},  {"Voltix", "VT", 0.9},   {"Lumora", "LM", 1.15},
    {"Kestrel", "KS", 1.05},  {"Orbis", "OB", 0.8},    {"Quanta", "QT", 1.25},
    {"Solace", "SL", 0.95},   {"Tundra", "TD", 0.75},  {"Helix", "HX", 1.1},
}};

constexpr std::array<std::string_view, 8> kDescriptionPhrases{
    "built to last", "with a two-year warranty", "in three colours", "with fast charging",
    "for everyday use", "with a premium finish", "with a travel case", "at a great price"};

// FNV-1a: a stable hash of text, the same everywhere.
uint64_t stableHash(std::string_view text) {
  uint64_t h = 1469598103934665603ULL;
  for (char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  return h;
}

double roundPrice(double price) { return std::max(1.0, std::floor(price)) - 0.01; }

std::string productId(std::size_t index) {
  char buffer[24];
  std::snprintf(buffer, sizeof buffer, "p%05zu", index + 1);
  return buffer;
}

struct KnownPrice {
  std::string_view category;
  double price;
};

constexpr std::array<KnownPrice, 12> kKnownPrices{{{"Movies", 15},
                                                   {"Music", 12},
                                                   {"Video Games", 40},
                                                   {"Accessories", 30},
                                                   {"TVs", 800},
                                                   {"Computers", 700},
                                                   {"Cameras", 400},
                                                   {"Phones", 300},
                                                   {"Audio", 120},
                                                   {"Appliances", 900},
                                                   {"Car Electronics", 150},
                                                   {"Other", 60}}};

}  // namespace

std::vector<Product> generateCatalog(std::size_t count, uint64_t seed) {
  Random random(seed);
  std::vector<double> brand_weights;
  for (std::size_t i = 0; i < kBrands.size(); ++i) {
    brand_weights.push_back(1.0 / (1.0 + 0.1 * static_cast<double>(i)));
  }
  std::vector<Product> products;
  products.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    const CategorySpec& category = kCategories[random.below(kCategories.size())];
    const BrandSpec& brand = kBrands[random.weighted(brand_weights)];
    const std::size_t f1 = random.below(category.features.size());
    std::size_t f2 = random.below(category.features.size() - 1);
    if (f2 >= f1) ++f2;
    const std::string model = std::string(brand.model_prefix) + "-" +
                              std::to_string(random.between(10, 99));
    Product p;
    p.id = productId(i);
    p.title = std::string(brand.name) + " " + std::string(category.features[f1]) + " " +
              std::string(category.features[f2]) + " " + std::string(category.noun) + " " + model;
    p.description = std::string(category.noun) + " " +
                    std::string(kDescriptionPhrases[random.below(kDescriptionPhrases.size())]) +
                    ", " + std::string(category.features[random.below(category.features.size())]);
    p.brand = std::string(brand.name);
    p.category = std::string(category.name);
    p.price = roundPrice(category.typical_price * brand.price_factor *
                         std::exp(0.35 * random.normal()));
    p.rating = std::round((3.0 + 2.0 * random.uniform()) * 10.0) / 10.0;
    products.push_back(std::move(p));
  }
  return products;
}

void fillMissingPrices(std::vector<Product>& products) {
  for (auto& p : products) {
    if (p.price) continue;
    double typical = 0;
    for (const auto& known : kKnownPrices) {
      if (known.category == p.category) typical = known.price;
    }
    if (typical == 0) typical = 20.0 + static_cast<double>(stableHash(p.category) % 480);
    // A spread of x0.4 .. x2.5 drawn from the id: log-uniform.
    const double u = static_cast<double>(stableHash(p.id) % 10000) / 10000.0;
    p.price = roundPrice(typical * std::exp(std::log(0.4) + u * (std::log(2.5) - std::log(0.4))));
  }
}

}  // namespace rr::scoring::data
