// The Amazon converters: text splitting, tiny data sets written here, and the
// real sets when ../shared/data has them.
#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <string>

#include "scoring/data/amazon_office_converter.h"
#include "scoring/data/amazon_scientific_converter.h"
#include "scoring/data/office_text_splitter.h"
#include "tests/unit/training_data_fixtures.h"

using namespace rr::scoring::data;
using rr::scoring::data::testing::ScratchDir;

namespace {

std::string realData(const std::string& set) {
  return std::string(RR_SOURCE_DIR) + "/../shared/data/" + set;
}

std::string describe(const Event& e) {
  return std::string(toString(e.type)) + " " + e.user + " " + std::to_string(e.ts_ms) + " " +
         (e.isSearch() ? "[" + e.query + "] " : "") + e.item;
}

}  // namespace

TEST_CASE("scientific text splits into title, category path and brand", "[unit][training_data]") {
  auto plain = splitScientificText(
      "DEWALT DW4524 Grinding Wheel. "
      "Industrial & Scientific Abrasive & Finishing Products. DEWALT. ");
  CHECK(plain.title == "DEWALT DW4524 Grinding Wheel");
  CHECK(plain.category_path == "Industrial & Scientific Abrasive & Finishing Products");
  CHECK(plain.brand == "DEWALT");

  auto dotted = splitScientificText(
      "24 Oz. Sprayer Bottles, Pack Of 3. "
      "Industrial & Scientific Lab Bottles & Jars. Continental. ");
  CHECK(dotted.title == "24 Oz. Sprayer Bottles, Pack Of 3");
  CHECK(dotted.category_path == "Industrial & Scientific Lab Bottles & Jars");
  CHECK(dotted.brand == "Continental");

  auto no_category = splitScientificText("WD-40 Spray, 12 oz. (Pack of 1). . WD-40. ");
  CHECK(no_category.title == "WD-40 Spray, 12 oz. (Pack of 1)");
  CHECK(no_category.category_path.empty());
  CHECK(no_category.brand == "WD-40");
}

TEST_CASE("office texts split into title, leaf category and brand", "[unit][training_data]") {
  // Brand 1 and 2 are shared (common suffix); "Mouse Pads" ends items of
  // three brands; item 6 is alone with its brand id.
  const std::vector<OfficeItemText> items = {
      {"Fellowes Medium Mouse Pad (Blue) Mouse Pads Fellowes", 1, 5},
      {"Fellowes Gel Wrist Rest Wrist Rests Fellowes", 1, 5},
      {"Belkin Standard Mouse Pad Mouse Pads BELKIN", 2, 5},
      {"Belkin Premium Travel Pad Mouse Pads BELKIN", 2, 5},
      {"Generic Cloth Pad Mouse Pads", 0, 5},
      {"Allsop Cushion Pad Mouse Pads Allsop Inc", 3, 5},
      {"Avery Labels, Pack of 20 (05267)", 0, 5},
  };
  const auto parts = splitOfficeTexts(items);
  REQUIRE(parts.size() == items.size());
  CHECK(parts[0].title == "Fellowes Medium Mouse Pad (Blue)");
  CHECK(parts[0].leaf_category == "Mouse Pads");
  CHECK(parts[0].brand == "Fellowes");
  CHECK(parts[0].remainder == "Mouse Pads Fellowes");
  CHECK(parts[2].brand == "BELKIN");
  CHECK(parts[4].leaf_category == "Mouse Pads");
  CHECK(parts[4].brand.empty());
  CHECK(parts[5].leaf_category == "Mouse Pads");
  CHECK(parts[5].brand == "Allsop Inc");
  // A model number is no category: the category's most common leaf instead,
  // and the title keeps every word.
  CHECK(parts[6].leaf_category == "Mouse Pads");
  CHECK(parts[6].title == "Avery Labels, Pack of 20 (05267)");
}

TEST_CASE("amazon-office: history purchases, then the dev target as a search",
          "[unit][training_data]") {
  ScratchDir dir;
  dir.write("Office.text",
            "id\ttext\n"
            "A1\tFellowes Medium Mouse Pad Mouse Pads Fellowes\n"
            "A2\tFellowes Gel Wrist Rest Wrist Rests Fellowes\n"
            "A3\tBelkin Standard Mouse Pad Mouse Pads BELKIN\n"
            "A4\tBelkin Travel Pad Mouse Pads BELKIN\n"
            "A5\tGeneric Cloth Pad Mouse Pads\n");
  dir.write("Office.item2index", "A1\t1\nA2\t2\nA3\t3\nA4\t4\nA5\t5\n");
  dir.write("item_meta.csv",
            "item_id\ti_category\ti_brand\tr_complement\tr_substitute\n"
            "1\t5\t1\t[]\t[]\n"
            "2\t5\t1\t[]\t[]\n"
            "3\t5\t2\t[2]\t[]\n"
            "4\t5\t2\t[]\t[]\n"
            "5\t6\t0\t[]\t[]\n");
  dir.write("train.csv", "user_id\titem_id\ttime\n7\t2\t1000\n7\t3\t2000\n8\t1\t1500\n");
  dir.write("dev.csv", "user_id\titem_id\ttime\tneg_items\n7\t1\t2000\t[4, 5]\n8\t5\t9000\t[2]\n");
  auto data = convertAmazonOffice(dir.path());
  REQUIRE(data);
  REQUIRE(data->products.size() == 5);
  CHECK(data->products[0] == Product{.id = "A1",
                                     .title = "Fellowes Medium Mouse Pad",
                                     .description = "Mouse Pads Fellowes",
                                     .brand = "b1",
                                     .category = "c5"});
  CHECK(data->products[4].brand.empty());
  CHECK(data->products[4].category == "c6");
  std::vector<std::string> got;
  for (const auto& e : data->events) got.push_back(describe(e));
  CHECK(got == std::vector<std::string>{"purchase 7 1000000 A2", "purchase 8 1500000 A1",
                                        "purchase 7 2000000 A3", "search 7 2000000 [Mouse Pads] A1",
                                        "search 8 9000000 [Mouse Pads] A5"});
  CHECK(data->countOf("history purchases") == 3);
  CHECK(data->countOf("target searches") == 2);

  dir.write("train.csv", "user_id\titem_id\ttime\n7\t2\t1000\n7\t99\t2000\n");
  auto bad = convertAmazonOffice(dir.path());
  REQUIRE(!bad);
  CHECK(bad.error().toString() ==
        dir.file("train.csv") + ":3: field \"item_id\": 99 is not an item of Office.item2index");
}

TEST_CASE("amazon-scientific: one history per user, synthesized days, target as a search",
          "[unit][training_data]") {
  ScratchDir dir;
  dir.write("Scientific.text",
            "item_id:token\ttext:token_seq\n"
            "S0\tTape. Industrial & Scientific Tapes. 3M. \n"
            "S1\tGlue. Industrial & Scientific Adhesives. Gorilla. \n"
            "S2\tGloves. Industrial & Scientific Safety Gloves. Ansell. \n"
            "S3\tMystery thing. . Nobody. \n");
  dir.write("Scientific.item2index", "S0\t0\nS1\t1\nS2\t2\nS3\t3\n");
  dir.write("Scientific.user2index", "UA\t0\nUB\t1\n");
  dir.write("Scientific.train.inter",
            "user_id:token\titem_id_list:token_seq\titem_id:token\n"
            "0\t0 1\t2\n0\t0\t1\n1\t2\t0\n");
  dir.write("Scientific.valid.inter",
            "user_id:token\titem_id_list:token_seq\titem_id:token\n"
            "0\t0 1 2\t0\n1\t2 0\t3\n");
  auto data = convertAmazonScientific(dir.path());
  REQUIRE(data);
  REQUIRE(data->products.size() == 4);
  CHECK(data->products[0] == Product{.id = "S0",
                                     .title = "Tape",
                                     .brand = "3M",
                                     .category = "Industrial & Scientific Tapes"});
  constexpr int64_t kEnd = 1600000000000;  // every evaluation search: 2020-09-13
  constexpr int64_t kDay = 86400000;
  constexpr int64_t kMin = 60000;
  auto at = [&](int64_t ms) { return std::to_string(ms); };
  std::vector<std::string> ua;
  std::vector<std::string> ub;
  for (const auto& e : data->events) (e.user == "UA" ? ua : ub).push_back(describe(e));
  // Each purchase after the first is also a training search for its
  // category; the target is searched a minute after the common end.
  CHECK(ua == std::vector<std::string>{
                  "purchase UA " + at(kEnd - 3 * kDay) + " S0",
                  "search UA " + at(kEnd - 2 * kDay - kMin) + " [Industrial & Scientific Adhesives] S1",
                  "purchase UA " + at(kEnd - 2 * kDay) + " S1",
                  "search UA " + at(kEnd - kDay - kMin) + " [Industrial & Scientific Safety Gloves] S2",
                  "purchase UA " + at(kEnd - kDay) + " S2",
                  "search UA " + at(kEnd + kMin) + " [Industrial & Scientific Tapes] S0"});
  // UB's target has no category path: its history stays, no evaluation search.
  CHECK(ub == std::vector<std::string>{
                  "purchase UB " + at(kEnd - 2 * kDay) + " S2",
                  "search UB " + at(kEnd - kDay - kMin) + " [Industrial & Scientific Tapes] S0",
                  "purchase UB " + at(kEnd - kDay) + " S0"});
  CHECK(data->countOf("training searches") == 3);
  CHECK(data->countOf("targets without a category path (no search)") == 1);
  CHECK(data->countOf("history purchases") == 5);
}

TEST_CASE("amazon: the real sets convert with the expected counts",
          "[unit][training_data][real_data]") {
  if (!std::filesystem::exists(realData("amazon-office/train.csv")) ||
      !std::filesystem::exists(realData("amazon-scientific/Scientific.text"))) {
    WARN("skipped: the Amazon sets are not in " << realData(""));
    return;
  }
  auto office = convertAmazonOffice(realData("amazon-office"));
  REQUIRE(office);
  CHECK(office->products.size() == 2420);
  CHECK(office->countOf("users") == 4905);
  CHECK(office->countOf("history purchases") == 43448);
  CHECK(office->countOf("target searches") == 4905);

  auto scientific = convertAmazonScientific(realData("amazon-scientific"));
  REQUIRE(scientific);
  CHECK(scientific->products.size() == 4385);
  CHECK(scientific->countOf("users") == 8442);
  CHECK(scientific->countOf("train sequences disagreeing with valid.inter") == 0);
  CHECK(scientific->countOf("target searches") +
            scientific->countOf("targets without a category path (no search)") ==
        8442);
}
