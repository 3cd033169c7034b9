// The shopper simulator: deterministic for a seed, and its shoppers act on
// their hidden preferences.
#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <string>
#include <unordered_map>

#include "scoring/data/catalog_generator.h"
#include "scoring/data/event_io.h"
#include "scoring/data/random.h"
#include "scoring/data/retrotech_catalog.h"
#include "scoring/data/shopper_simulator.h"
#include "tests/unit/training_data_fixtures.h"

using namespace rr::scoring::data;

namespace {

SimulationSettings smallRun(uint64_t seed) {
  SimulationSettings settings;
  settings.users = 150;
  settings.searches_per_user = 6;
  settings.seed = seed;
  return settings;
}

ShopperSimulator makeSimulator(uint64_t seed) {
  auto simulator = ShopperSimulator::create(generateCatalog(800, seed), smallRun(seed));
  REQUIRE(simulator);
  return std::move(*simulator);
}

std::string serialize(const DataSet& data) {
  std::string out;
  for (const auto& e : data.events) {
    writeEventLine(out, e);
    out += '\n';
  }
  return out;
}

}  // namespace

TEST_CASE("Random gives the same numbers for a seed, within range", "[unit][training_data]") {
  Random a(42);
  Random b(42);
  for (int i = 0; i < 1000; ++i) {
    const double u = a.uniform();
    CHECK(u == b.uniform());
    CHECK(u >= 0.0);
    CHECK(u < 1.0);
    const uint64_t k = a.below(7);
    CHECK(k == b.below(7));
    CHECK(k < 7);
  }
  // std::mt19937_64 is specified by the standard: its 10000th number is fixed.
  Random c(5489);
  uint64_t x = 0;
  for (int i = 0; i < 10000; ++i) x = c.next();
  CHECK(x == 9981545732273789042ULL);
}

TEST_CASE("the generated catalog is deterministic and has 10 categories and 12 brands",
          "[unit][training_data]") {
  const auto a = generateCatalog(500, 3);
  CHECK(a == generateCatalog(500, 3));
  CHECK(a != generateCatalog(500, 4));
  std::set<std::string> categories;
  std::set<std::string> brands;
  for (const auto& p : a) {
    categories.insert(p.category);
    brands.insert(p.brand);
    CHECK(p.price.value_or(0) > 0);
  }
  CHECK(categories.size() == 10);
  CHECK(brands.size() == 12);
}

TEST_CASE("the simulation is the same for the same seed, and differs for another",
          "[unit][training_data]") {
  const auto first = makeSimulator(11);
  const auto second = makeSimulator(11);
  const std::string a = serialize(first.run());
  CHECK(a == serialize(second.run()));
  CHECK(a == serialize(first.run()));  // run() again: same result
  CHECK(first.truthJson() == second.truthJson());
  CHECK(a != serialize(makeSimulator(12).run()));
}

TEST_CASE("simulated events are well-formed and time-ordered", "[unit][training_data]") {
  const auto simulator = makeSimulator(5);
  const DataSet data = simulator.run();
  std::set<std::string> ids;
  for (const auto& p : data.products) ids.insert(p.id);
  int64_t previous = INT64_MIN;
  std::size_t searches = 0;
  for (const auto& e : data.events) {
    CHECK(e.ts_ms >= previous);
    previous = e.ts_ms;
    CHECK(!e.session.empty());
    if (e.isSearch()) {
      ++searches;
      CHECK(!e.query.empty());
      CHECK(!e.impressions.empty());
      if (!e.item.empty()) CHECK(ids.count(e.item) == 1);
    } else {
      CHECK(ids.count(e.item) == 1);
    }
    // Every line parses back.
    std::string line;
    writeEventLine(line, e);
    CHECK(parseEventLine(line));
  }
  CHECK(searches == 150 * 6);
}

TEST_CASE("shoppers click their preferred brand far more often than it is shown",
          "[unit][training_data]") {
  const auto simulator = makeSimulator(21);
  const DataSet data = simulator.run();
  std::unordered_map<std::string, std::size_t> index_of;
  for (std::size_t i = 0; i < data.products.size(); ++i) index_of[data.products[i].id] = i;
  std::unordered_map<std::string, const ShopperProfile*> shopper_of;
  for (const auto& s : simulator.shoppers()) shopper_of[s.user] = &s;
  const SimulatedCatalog& catalog = simulator.catalog();

  double shown = 0, shown_preferred = 0;
  double clicked = 0, clicked_brand = 0, clicked_band = 0, shown_band = 0;
  double purchased = 0, purchased_brand = 0;
  for (const auto& e : data.events) {
    const ShopperProfile& s = *shopper_of.at(e.user);
    if (e.isSearch()) {
      for (const auto& id : e.impressions) {
        const std::size_t item = index_of.at(id);
        shown += 1;
        shown_preferred += catalog.brandOf(item) == s.brand ? 1 : 0;
        shown_band += catalog.priceBandOf(item) == s.price_band ? 1 : 0;
      }
      if (!e.item.empty()) {
        const std::size_t item = index_of.at(e.item);
        clicked += 1;
        clicked_brand += catalog.brandOf(item) == s.brand ? 1 : 0;
        clicked_band += catalog.priceBandOf(item) == s.price_band ? 1 : 0;
      }
    } else if (e.type == Event::Type::kPurchase) {
      purchased += 1;
      purchased_brand += catalog.brandOf(index_of.at(e.item)) == s.brand ? 1 : 0;
    }
  }
  REQUIRE(clicked > 100);
  REQUIRE(purchased > 50);
  const double shown_share = shown_preferred / shown;
  const double clicked_share = clicked_brand / clicked;
  INFO("preferred brand: " << shown_share << " of impressions, " << clicked_share
                           << " of clicked results, " << purchased_brand / purchased
                           << " of purchases");
  CHECK(shown_share < 0.15);
  CHECK(clicked_share > 2.5 * shown_share);
  CHECK(purchased_brand / purchased > clicked_share);
  CHECK(clicked_band / clicked > 1.3 * (shown_band / shown));
}

TEST_CASE("the truth file lists every shopper's hidden preferences", "[unit][training_data]") {
  const auto simulator = makeSimulator(2);
  const std::string truth = simulator.truthJson();
  CHECK(truth.starts_with("{\"seed\":2,"));
  const auto& first = simulator.shoppers().front();
  CHECK(first.user == "u0001");
  CHECK(truth.find("{\"user\":\"u0001\",\"brand\":\"" + simulator.catalog().brandName(first.brand) +
                   "\",\"category\":\"" + simulator.catalog().categoryName(first.category) +
                   "\"") != std::string::npos);
  CHECK(truth.find("\"user\":\"u0150\"") != std::string::npos);
}

TEST_CASE("a catalog without brands is refused", "[unit][training_data]") {
  std::vector<Product> products = {{.id = "1", .title = "a thing", .category = "x"}};
  auto simulator = ShopperSimulator::create(products, smallRun(1));
  REQUIRE(!simulator);
  CHECK(simulator.error() == "the catalog has no product with both a brand and a category");
}

TEST_CASE("missing prices are filled deterministically", "[unit][training_data]") {
  std::vector<Product> products = {{.id = "1", .title = "a", .category = "TVs"},
                                   {.id = "2", .title = "b", .category = "Whatever"},
                                   {.id = "3", .title = "c", .price = 5.0}};
  auto copy = products;
  fillMissingPrices(products);
  fillMissingPrices(copy);
  CHECK(products == copy);
  CHECK(products[0].price.value_or(0) > 100);
  CHECK(products[1].price.value_or(0) > 0);
  CHECK(products[2].price == 5.0);
}

TEST_CASE("retrotech product names map to departments", "[unit][training_data]") {
  CHECK(retrotechCategory("Fists of Bruce Lee - Dolby - DVD") == "Movies");
  CHECK(retrotechCategory("Summerbreeze - CD") == "Music");
  CHECK(retrotechCategory("Halo 3 - Xbox 360") == "Video Games");
  CHECK(retrotechCategory("Case Logic - 88-Disc Nylon CD Wallet") == "Music");
  CHECK(retrotechCategory("Belkin - Case for Apple iPhone 4") == "Accessories");
  CHECK(retrotechCategory("Samsung - 40\" Class / LCD / 1080p / 60Hz / HDTV") == "TVs");
  CHECK(retrotechCategory("Whirlpool - 25.0 Cu. Ft. Side-by-Side Refrigerator") == "Appliances");
  CHECK(retrotechCategory("Something Else Entirely") == "Other");
}

TEST_CASE("the retrotech catalog reads escapes and HTML references",
          "[unit][training_data]") {
  rr::scoring::data::testing::ScratchDir dir;
  const std::string path = dir.write(
      "products.csv",
      "\"upc\",\"name\",\"manufacturer\",\"short_description\",\"long_description\"\n"
      "\"1\",\"Apple&#xae; - 3.5\\\" Drive\",\"Unknown\", , \"Long text\"\n"
      "\"2\",\"Fists of Bruce Lee - DVD\", , , \n"
      "\"1\",\"duplicate\", , , \n");
  auto products = readRetrotechCatalog(path);
  REQUIRE(products);
  REQUIRE(products->size() == 2);
  CHECK((*products)[0].title == "Apple\xc2\xae - 3.5\" Drive");
  CHECK((*products)[0].brand.empty());
  CHECK((*products)[0].description == "Long text");
  CHECK((*products)[0].category == "Computers");
  CHECK((*products)[1].category == "Movies");
}
