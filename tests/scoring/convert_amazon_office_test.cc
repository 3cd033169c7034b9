// rerank-convert amazon-office --clock aligned: the Office histories on the
// end-aligned clock of the Scientific conversion, with training searches.
#include <catch2/catch.hpp>

#include "scoring/data/amazon_office_converter.h"
#include "tests/unit/training_data_fixtures.h"

using namespace rr::scoring::data;

namespace {

std::string describe(const Event& e) {
  return std::string(toString(e.type)) + " " + e.user + " " + std::to_string(e.ts_ms) + " " +
         (e.isSearch() ? "[" + e.query + "] " : "") + e.item;
}

}  // namespace

TEST_CASE("amazon-office on the aligned clock: purchases end a day apart before the common "
          "instant, each after the first is a training search, the dev target comes after it",
          "[unit][convert]") {
  testing::ScratchDir dir;
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
            "1\t5\t1\t[]\t[]\n2\t5\t1\t[]\t[]\n3\t5\t2\t[]\t[]\n4\t5\t2\t[]\t[]\n5\t6\t0\t[]\t[]\n");
  // User 7 bought A3 and A4 at the same second: file order decides.
  dir.write("train.csv",
            "user_id\titem_id\ttime\n7\t3\t2000\n7\t2\t1000\n7\t4\t2000\n8\t1\t1500\n");
  dir.write("dev.csv", "user_id\titem_id\ttime\tneg_items\n7\t1\t2500\t[4]\n8\t5\t9000\t[2]\n");
  auto real = convertAmazonOffice(dir.path());
  auto data = convertAmazonOffice(dir.path(), OfficeClock::kEndAligned);
  REQUIRE(real);
  REQUIRE(data);
  CHECK(data->products == real->products);
  constexpr int64_t kEnd = 1600000000000;  // 2020-09-13T12:26:40Z, as for Scientific
  constexpr int64_t kDay = 86400000;
  constexpr int64_t kMin = 60000;
  auto at = [](int64_t ms) { return std::to_string(ms); };
  std::vector<std::string> u7, u8;
  for (const auto& e : data->events) (e.user == "7" ? u7 : u8).push_back(describe(e));
  CHECK(u7 == std::vector<std::string>{
                  "purchase 7 " + at(kEnd - 3 * kDay) + " A2",
                  "search 7 " + at(kEnd - 2 * kDay - kMin) + " [Mouse Pads] A3",
                  "purchase 7 " + at(kEnd - 2 * kDay) + " A3",
                  "search 7 " + at(kEnd - kDay - kMin) + " [Mouse Pads] A4",
                  "purchase 7 " + at(kEnd - kDay) + " A4",
                  "search 7 " + at(kEnd + kMin) + " [Mouse Pads] A1"});
  CHECK(u8 == std::vector<std::string>{"purchase 8 " + at(kEnd - kDay) + " A1",
                                       "search 8 " + at(kEnd + kMin) + " [Mouse Pads] A5"});
  CHECK(data->countOf("history purchases") == 4);
  CHECK(data->countOf("training searches") == 2);
  CHECK(data->countOf("target searches") == 2);
  CHECK(real->countOf("training searches") == -1);
  // Time-ordered overall, sessions assigned.
  for (std::size_t i = 1; i < data->events.size(); ++i) {
    CHECK(data->events[i - 1].ts_ms <= data->events[i].ts_ms);
  }
  CHECK(!data->events.front().session.empty());
}
