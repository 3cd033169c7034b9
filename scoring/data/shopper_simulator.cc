#include "scoring/data/shopper_simulator.h"

#include <algorithm>
#include <cmath>

#include "scoring/data/json_text.h"
#include "scoring/data/random.h"
#include "scoring/data/sessions.h"

namespace rr::scoring::data {
namespace {

constexpr int64_t kSecond = 1000;
constexpr int64_t kMinute = 60 * kSecond;
constexpr int64_t kHour = 60 * kMinute;
constexpr int64_t kDay = 24 * kHour;
// run() draws from its own stream so that it does not depend on how many
// numbers drawing the shoppers took.
constexpr uint64_t kRunStream = 0x9E3779B97F4A7C15ULL;
constexpr int kBrowseTries = 30;
constexpr double kBrowseBoost = 1.5;  // browsing is looser than clicking a result
constexpr double kTwoWordQueryShare = 0.6;
constexpr double kSameSessionShare = 0.4;

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// "u0001": zero-padded to the width of the largest number (4 at least).
std::string userName(std::size_t index, std::size_t count) {
  const std::size_t width = std::max<std::size_t>(4, std::to_string(count).size());
  std::string digits = std::to_string(index + 1);
  return "u" + std::string(width - std::min(width, digits.size()), '0') + digits;
}

constexpr const char* kBandNames[] = {"low", "mid", "high"};

// Running totals for the report.
struct Tally {
  int64_t searches = 0;
  int64_t searches_with_click = 0;
  int64_t clicks = 0;
  int64_t carts = 0;
  int64_t purchases = 0;
  int64_t views = 0;
  int64_t preferred_brand_clicks = 0;
};

// Categories shoppers can prefer or search in, weighted by size.
struct CategoryPool {
  std::vector<int> ids;
  std::vector<double> weights;
};

CategoryPool branded(const SimulatedCatalog& catalog) {
  CategoryPool pool;
  for (std::size_t c = 1; c < catalog.categoryCount(); ++c) {
    const auto& items = catalog.itemsOf(static_cast<int>(c));
    const bool any_brand = std::any_of(items.begin(), items.end(),
                                       [&](std::size_t i) { return catalog.brandOf(i) != 0; });
    if (!any_brand) continue;
    pool.ids.push_back(static_cast<int>(c));
    pool.weights.push_back(static_cast<double>(items.size()));
  }
  return pool;
}

// One shopper's session of activity around a search.
class Shopping {
 public:
  Shopping(const ShopperSimulator& sim, const ShopperProfile& shopper, Random& random,
           std::vector<Event>& events, Tally& tally)
      : sim_(sim), shopper_(shopper), random_(random), events_(events), tally_(tally) {}

  void browse(int64_t search_ms) {
    const auto& catalog = sim_.catalog();
    const auto& preferred = catalog.itemsOf(shopper_.category);
    const int64_t views = random_.between(1, 3);
    for (int64_t v = 0; v < views; ++v) {
      std::size_t item = 0;
      for (int attempt = 0; attempt < kBrowseTries; ++attempt) {
        item = !preferred.empty() && random_.chance(0.6)
                   ? preferred[random_.below(preferred.size())]
                   : random_.below(catalog.size());
        if (random_.chance(sigmoid(sim_.utility(shopper_, item) + kBrowseBoost))) break;
      }
      const int64_t ts = search_ms - (views - v) * random_.between(40, 120) * kSecond;
      add(Event::Type::kView, ts, item);
      ++tally_.views;
      if (random_.chance(sigmoid(sim_.utility(shopper_, item) + kBrowseBoost))) {
        add(Event::Type::kClick, ts + random_.between(3, 20) * kSecond, item);
        ++tally_.clicks;
        tally_.preferred_brand_clicks += catalog.brandOf(item) == shopper_.brand ? 1 : 0;
      }
    }
  }

  void search(int64_t ts, int category) {
    const auto& catalog = sim_.catalog();
    const auto& settings = sim_.settings();
    const std::string query = makeQuery(category);
    const auto results = catalog.search(query, settings.impressions);
    Event search{.type = Event::Type::kSearch, .user = shopper_.user, .ts_ms = ts, .query = query};
    for (std::size_t item : results) search.impressions.push_back(catalog.products()[item].id);
    const std::size_t search_index = events_.size();
    events_.push_back(std::move(search));
    ++tally_.searches;

    const PreferenceModel& model = settings.model;
    int64_t t = ts;
    std::size_t clicks = 0;
    for (std::size_t rank = 0; rank < results.size() && clicks < model.max_clicks; ++rank) {
      const double examine = std::pow(static_cast<double>(rank + 1), -model.position_decay);
      if (!random_.chance(examine)) continue;
      const std::size_t item = results[rank];
      const double u = sim_.utility(shopper_, item);
      if (!random_.chance(sigmoid(u))) continue;
      t += random_.between(8, 40) * kSecond;
      add(Event::Type::kClick, t, item);
      if (clicks == 0) events_[search_index].item = catalog.products()[item].id;
      ++clicks;
      ++tally_.clicks;
      tally_.preferred_brand_clicks += catalog.brandOf(item) == shopper_.brand ? 1 : 0;
      const double base = u - model.click_bias;  // the preference part only
      if (!random_.chance(sigmoid(model.cart_bias + base))) continue;
      add(Event::Type::kCart, t + random_.between(20, 60) * kSecond, item);
      ++tally_.carts;
      if (!random_.chance(sigmoid(model.purchase_bias + base))) continue;
      add(Event::Type::kPurchase, t + random_.between(90, 240) * kSecond, item);
      ++tally_.purchases;
    }
    tally_.searches_with_click += clicks > 0 ? 1 : 0;
  }

 private:
  std::string makeQuery(int category) {
    const auto& catalog = sim_.catalog();
    const auto& words = catalog.queryWords(category);
    if (words.empty()) return catalog.categoryName(category);
    const std::string& head = words.front();
    if (words.size() > 1 && random_.chance(kTwoWordQueryShare)) {
      const std::string query = words[1 + random_.below(words.size() - 1)] + " " + head;
      const std::size_t enough = std::max<std::size_t>(3, sim_.settings().impressions / 4);
      if (catalog.match(query).size() >= enough) return query;
    }
    return head;
  }

  void add(Event::Type type, int64_t ts, std::size_t item) {
    events_.push_back(Event{.type = type,
                            .user = shopper_.user,
                            .ts_ms = ts,
                            .item = sim_.catalog().products()[item].id});
  }

  const ShopperSimulator& sim_;
  const ShopperProfile& shopper_;
  Random& random_;
  std::vector<Event>& events_;
  Tally& tally_;
};

}  // namespace

std::expected<ShopperSimulator, std::string> ShopperSimulator::create(
    std::vector<Product> products, SimulationSettings settings) {
  if (settings.users == 0) return std::unexpected("--users must be at least 1");
  if (settings.impressions == 0) return std::unexpected("--impressions must be at least 1");
  if (settings.span_days < 1) return std::unexpected("span_days must be at least 1");
  SimulatedCatalog catalog(std::move(products));
  if (branded(catalog).ids.empty()) {
    return std::unexpected("the catalog has no product with both a brand and a category");
  }
  ShopperSimulator simulator(std::move(catalog), settings);
  simulator.drawShoppers();
  return simulator;
}

ShopperSimulator::ShopperSimulator(SimulatedCatalog catalog, SimulationSettings settings)
    : catalog_(std::move(catalog)), settings_(settings) {}

void ShopperSimulator::drawShoppers() {
  Random random(settings_.seed);
  const CategoryPool pool = branded(catalog_);
  for (std::size_t u = 0; u < settings_.users; ++u) {
    ShopperProfile shopper;
    shopper.user = userName(u, settings_.users);
    shopper.category = pool.ids[random.weighted(pool.weights)];
    // Brands weighted by how many products they have in that category.
    std::vector<double> brand_weights;
    for (std::size_t item : catalog_.itemsOf(shopper.category)) {
      const auto brand = static_cast<std::size_t>(catalog_.brandOf(item));
      if (brand == 0) continue;
      if (brand_weights.size() <= brand) brand_weights.resize(brand + 1, 0.0);
      brand_weights[brand] += 1.0;
    }
    shopper.brand = static_cast<int>(random.weighted(brand_weights));
    shopper.price_band = static_cast<int>(random.below(3));
    shoppers_.push_back(std::move(shopper));
  }
}

double ShopperSimulator::utility(const ShopperProfile& shopper, std::size_t item) const {
  const PreferenceModel& m = settings_.model;
  const Product& p = catalog_.products()[item];
  double u = m.click_bias;
  if (catalog_.brandOf(item) == shopper.brand) u += m.brand;
  if (catalog_.categoryOf(item) == shopper.category) u += m.category;
  if (catalog_.priceBandOf(item) == shopper.price_band) u += m.price;
  if (p.rating) u += m.rating * (*p.rating - 4.0);
  return u;
}

DataSet ShopperSimulator::run() const {
  Random random(settings_.seed ^ kRunStream);
  const CategoryPool pool = branded(catalog_);
  DataSet out;
  out.products = catalog_.products();
  Tally tally;
  for (const auto& shopper : shoppers_) {
    Shopping shopping(*this, shopper, random, out.events, tally);
    const auto span = static_cast<uint64_t>(settings_.span_days * kDay);
    int64_t t = settings_.start_ms + static_cast<int64_t>(random.below(span));
    for (std::size_t s = 0; s < settings_.searches_per_user; ++s) {
      if (s > 0) {
        t += random.chance(kSameSessionShare) ? random.between(5, 20) * kMinute
                                              : random.between(12, 96) * kHour;
      }
      if (random.chance(settings_.browse_probability)) shopping.browse(t);
      const int category = random.chance(settings_.preferred_category_share)
                               ? shopper.category
                               : pool.ids[random.weighted(pool.weights)];
      shopping.search(t, category);
    }
  }
  sortAndAssignSessions(out.events);
  out.addCount("products", static_cast<int64_t>(out.products.size()));
  out.addCount("users", static_cast<int64_t>(shoppers_.size()));
  out.addCount("searches", tally.searches);
  out.addCount("searches with a click", tally.searches_with_click);
  out.addCount("clicks", tally.clicks);
  out.addCount("carts", tally.carts);
  out.addCount("purchases", tally.purchases);
  out.addCount("views", tally.views);
  out.addCount("clicks on the preferred brand", tally.preferred_brand_clicks);
  out.addCount("events", static_cast<int64_t>(out.events.size()));
  return out;
}

std::string ShopperSimulator::truthJson() const {
  const PreferenceModel& m = settings_.model;
  std::string out = "{\"seed\":";
  appendJsonInteger(out, static_cast<int64_t>(settings_.seed));
  out += ",\n\"model\":{\"click_bias\":";
  appendJsonNumber(out, m.click_bias);
  out += ",\"brand\":";
  appendJsonNumber(out, m.brand);
  out += ",\"category\":";
  appendJsonNumber(out, m.category);
  out += ",\"price\":";
  appendJsonNumber(out, m.price);
  out += ",\"rating\":";
  appendJsonNumber(out, m.rating);
  out += ",\"cart_bias\":";
  appendJsonNumber(out, m.cart_bias);
  out += ",\"purchase_bias\":";
  appendJsonNumber(out, m.purchase_bias);
  out += ",\"position_decay\":";
  appendJsonNumber(out, m.position_decay);
  out += "},\n\"users\":[";
  for (std::size_t i = 0; i < shoppers_.size(); ++i) {
    const ShopperProfile& s = shoppers_[i];
    const auto [low, high] = catalog_.bandRange(s.category, s.price_band);
    out += i == 0 ? "\n" : ",\n";
    out += "{\"user\":";
    appendJsonString(out, s.user);
    out += ",\"brand\":";
    appendJsonString(out, catalog_.brandName(s.brand));
    out += ",\"category\":";
    appendJsonString(out, catalog_.categoryName(s.category));
    out += ",\"price_band\":";
    appendJsonString(out, kBandNames[s.price_band]);
    out += ",\"price_min\":";
    appendJsonNumber(out, low);
    out += ",\"price_max\":";
    appendJsonNumber(out, high);
    out += '}';
  }
  out += "\n]}\n";
  return out;
}

}  // namespace rr::scoring::data
