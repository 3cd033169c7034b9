// Catalog lines: exact round trips, and malformed lines named by line and field.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <string>

#include "scoring/data/catalog_io.h"
#include "scoring/data/json_text.h"
#include "tests/unit/training_data_fixtures.h"

using namespace rr::scoring::data;
using rr::scoring::data::testing::ScratchDir;
using namespace std::string_literals;

namespace {

std::string line(const Product& p) {
  std::string out;
  writeCatalogLine(out, p);
  return out;
}

}  // namespace

TEST_CASE("a full product is written in the documented format", "[unit][training_data]") {
  Product p{.id = "9713872",
            .title = "halo reach",
            .description = "a shooter",
            .brand = "Microsoft",
            .category = "Shooter",
            .price = 12.5,
            .rating = 4.2};
  CHECK(line(p) ==
        R"({"id":"9713872","title":"halo reach","description":"a shooter","brand":"Microsoft",)"
        R"("category":"Shooter","price":12.5,"rating":4.2})");
}

TEST_CASE("empty strings and absent numbers are left out", "[unit][training_data]") {
  CHECK(line(Product{.id = "a", .title = ""}) == R"({"id":"a","title":""})");
  CHECK(line(Product{.id = "a", .title = "t", .price = std::numeric_limits<double>::quiet_NaN()}) ==
        R"({"id":"a","title":"t"})");
}

TEST_CASE("catalog lines round-trip exactly, escapes and all", "[unit][training_data]") {
  const std::vector<Product> products = {
      {.id = "q\"uote", .title = "back\\slash / slash", .description = "tab\there\nnewline\r"},
      {.id = "ctl", .title = "nul\0byte\x01\x1f"s, .brand = "caf\xc3\xa9 \xe2\x82\xac"},
      {.id = "emoji", .title = "\xf0\x9f\x8e\xae game", .price = 0.1, .rating = 3},
      {.id = "big", .title = "x", .price = 1e21, .rating = 1e-7},
      {.id = "neg", .title = "x", .price = -0.0, .rating = 4.999999999999999},
  };
  for (const auto& p : products) {
    const std::string first = line(p);
    auto parsed = parseProductLine(first);
    REQUIRE(parsed);
    CHECK(*parsed == p);
    CHECK(line(*parsed) == first);
  }
}

TEST_CASE("control characters are escaped, UTF-8 is kept", "[unit][training_data]") {
  std::string out;
  appendJsonString(out, "a\"b\\c\n\x01\x7f\xc3\xa9"s);
  CHECK(out == "\"a\\\"b\\\\c\\n\\u0001\x7f\xc3\xa9\"");
}

TEST_CASE("unknown fields are ignored and null means absent", "[unit][training_data]") {
  auto p = parseProductLine(
      R"({"extra":{"nested":[1,2,{"a":null}]},"id":"1","title":"t","brand":null,)"
      R"("price":null,"rating":3})");
  REQUIRE(p);
  CHECK(p->id == "1");
  CHECK(p->brand.empty());
  CHECK(!p->price);
  CHECK(p->rating == 3.0);
}

TEST_CASE("malformed product lines name the field", "[unit][training_data]") {
  struct Case {
    const char* line;
    const char* field;
    const char* message;
  };
  const Case cases[] = {
      {R"({"title":"t"})", "id", "is missing"},
      {R"({"id":"","title":"t"})", "id", "must not be empty"},
      {R"({"id":7,"title":"t"})", "id", "expected a string"},
      {R"({"id":"1"})", "title", "is missing"},
      {R"({"id":"1","title":["t"]})", "title", "expected a string"},
      {R"({"id":"1","title":"t","price":"12"})", "price", "expected a number"},
      {R"({"id":"1","title":"t","rating":true})", "rating", "expected a number"},
      {R"({"id":"1","title":"t","brand":5})", "brand", "expected a string"},
      {R"(["id","1"])", "", "not a JSON object"},
      {R"({"id":"1","title":"t"} {"id":"2"})", "", "trailing content after the JSON object"},
  };
  for (const auto& c : cases) {
    INFO(c.line);
    auto p = parseProductLine(c.line);
    REQUIRE(!p);
    CHECK(p.error().field == c.field);
    CHECK(p.error().message == c.message);
  }
}

TEST_CASE("broken JSON is rejected, not half-read", "[unit][training_data]") {
  for (const char* bad :
       {R"({"id":"1","title":"t")", R"({"id":"1","title":"t",})", R"({"id":"1" "title":"t"})",
        "{\"id\":\"1\",\"title\":\"\xff\"}", "nope"}) {
    INFO(bad);
    CHECK(!parseProductLine(bad));
  }
}

TEST_CASE("readCatalog names the file, line and field of the first bad line",
          "[unit][training_data]") {
  ScratchDir dir;
  const std::string path = dir.write("catalog.jsonl",
                                     "{\"id\":\"1\",\"title\":\"a\"}\n"
                                     "\n"
                                     "{\"id\":\"2\",\"title\":\"b\",\"price\":\"cheap\"}\n");
  auto products = readCatalog(path);
  REQUIRE(!products);
  CHECK(products.error().line == 3);
  CHECK(products.error().toString() == path + ":3: field \"price\": expected a number");

  const std::string missing = dir.write("missing.jsonl", "{\"title\":\"a\"}\n");
  CHECK(readCatalog(missing).error().toString() == missing + ":1: field \"id\" is missing");
  CHECK(readCatalog(dir.file("nope.jsonl")).error().toString() ==
        dir.file("nope.jsonl") + ": no such file");
}

TEST_CASE("a written catalog file reads back equal, CRLF and blank lines tolerated",
          "[unit][training_data]") {
  ScratchDir dir;
  const std::vector<Product> products = {{.id = "1", .title = "a", .price = 2.5},
                                         {.id = "2", .title = "b\nc", .category = "x"}};
  REQUIRE(writeCatalogFile(dir.file("c.jsonl"), products));
  auto back = readCatalog(dir.file("c.jsonl"));
  REQUIRE(back);
  CHECK(*back == products);

  const std::string crlf =
      dir.write("crlf.jsonl",
                "{\"id\":\"1\",\"title\":\"a\"}\r\n\r\n{\"id\":\"2\",\"title\":\"b\"}\r\n");
  auto read = readCatalog(crlf);
  REQUIRE(read);
  CHECK(read->size() == 2);
}
