// The item text of a candidate hit (rerank/request_context): read from the
// `_source` members the window's parse pass already read, it must be the
// very ItemText a DOM parse of the `_source` gives, for every field map and
// every kind of value; hits the pass cannot stand for take the DOM path.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "connectors/search_response.h"
#include "rerank/request_context.h"

using namespace rr;
using rr::connectors::Hit;

namespace {

std::string readFixture(const std::string& name) {
  std::ifstream in(std::string(RR_SOURCE_DIR "/tests/fixtures/rerank/") + name, std::ios::binary);
  REQUIRE(in);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

config::FieldMap fieldMap(std::string id, std::string brand, std::string category,
                          std::string price) {
  config::FieldMap f;
  f.id = std::move(id);
  f.brand = std::move(brand);
  f.category = std::move(category);
  f.price = std::move(price);
  f.description = "description";
  return f;
}

void checkSame(const scoring::ItemText& a, const scoring::ItemText& b) {
  CHECK(a.id == b.id);
  CHECK(a.title == b.title);
  CHECK(a.description == b.description);
  CHECK(a.brand == b.brand);
  CHECK(a.category == b.category);
  CHECK(a.price.has_value() == b.price.has_value());
  if (a.price && b.price) CHECK(*a.price == *b.price);
}

// Every hit of `body`, parsed with the map's source keys, read both ways.
// Returns how many hits took the parse pass's values.
int compareAll(const std::string& body, const config::FieldMap& fields) {
  const auto keys = rerank::hitSourceKeys(fields);
  auto parsed = connectors::parseSearchResponse(body, keys);
  REQUIRE(parsed);
  int fast = 0;
  scoring::ItemText reused;  // one object for every hit, as the rerank path does
  for (const Hit& hit : parsed->hits) {
    INFO("hit " << hit.id << ": " << hit.source);
    for (bool with_text : {false, true}) {
      INFO("with_text " << with_text);
      scoring::ItemText dom;
      rerank::readHitText(hit.id, hit.source, fields, with_text, dom);
      rerank::readHitText(hit, fields, with_text, reused);
      checkSame(reused, dom);
    }
    if (hit.source_read) ++fast;
  }
  return fast;
}

}  // namespace

TEST_CASE("a recorded window reads the same item text from the parse pass as from _source",
          "[rerank][hit_text]") {
  const std::string body = readFixture("window_halo.json");
  const auto fields = fieldMap("_id", "brand", "category", "price");
  CHECK(compareAll(body, fields) > 0);
  CHECK(compareAll(body, fieldMap("title", "brand", "", "")) > 0);  // id from _source
  CHECK(compareAll(body, fieldMap("_id", "", "", "")) == 0);  // nothing to read
  CHECK(compareAll(readFixture("window_pretty_total_int.json"), fields) > 0);
}

TEST_CASE("every kind of value gives the item text a DOM read of _source gives",
          "[rerank][hit_text]") {
  const std::string body =
      R"({"took":1,"timed_out":false,"hits":{"hits":[)"
      R"({"_id":"a","_score":1,"_source":{"sku":"S-1","brand":"Sm\"ith\u00e9","cat":"Toys","price":12.5}},)"
      R"({"_id":"b","_score":1,"_source":{"sku":77,"brand":null,"cat":true,"price":"7.5 USD"}},)"
      R"({"_id":"c","_score":1,"_source":{"sku":"","brand":["a","b"],"cat":"x","price":3}},)"
      R"({"_id":"d","_score":1,"_source":{"sku":1.5,"brand":"B","cat":"x","price":-0}},)"
      R"({"_id":"e","_score":1,"_source":{"brand":7e1,"cat":{"name":"x"},"price":1e3}},)"
      R"({"_id":"f","_score":1,"_source":{"price":"abc","brand":"first","brand":"second"}},)"
      R"({"_id":"g","_score":1,"_source":{"price":99999999999999999999}},)"
      R"({"_id":"h","_score":1,"_source":{}},)"
      R"({"_id":"j","_score":1,"_source":{"sku":-0,"brand":-12,"cat":0,"price":-0}},)"
      R"({"_id":"k","_score":1,"_source":{"sku":-123456789012345678,"cat":"c\/d"}},)"
      R"({"_id":"i","_score":1})"
      R"(]}})";
  CHECK(compareAll(body, fieldMap("sku", "brand", "cat", "price")) >= 5);
  CHECK(compareAll(body, fieldMap("_id", "brand", "cat", "price")) >= 5);
  CHECK(compareAll(body, fieldMap("_id", "", "", "price")) >= 7);
}

TEST_CASE("a dotted field path asks the parse for nothing and reads _source itself",
          "[rerank][hit_text]") {
  const auto fields = fieldMap("_id", "maker.name", "cat", "price");
  for (std::string_view k : rerank::hitSourceKeys(fields)) CHECK(k.empty());
  const std::string body =
      R"({"took":1,"timed_out":false,"hits":{"hits":[)"
      R"({"_id":"a","_score":1,"_source":{"maker":{"name":"Acme"},"cat":"Toys","price":2}}]}})";
  CHECK(compareAll(body, fields) == 0);
  auto parsed = connectors::parseSearchResponse(body, rerank::hitSourceKeys(fields));
  REQUIRE(parsed);
  scoring::ItemText text;
  rerank::readHitText(parsed->hits[0], fields, false, text);
  CHECK(text.brand == "Acme");
  CHECK(text.category == "Toys");
}

TEST_CASE("a hit's vector is found under its key, not where the key's text is a value",
          "[rerank][hit_text]") {
  const std::string b64 = "AACAPwAAAEAAAEBAAACAQA";  // 1, 2, 3, 4
  const std::string key = "\"rr_vector_1a2b3c4d\"";
  std::vector<float> out;
  CHECK(rerank::hitVector(R"({"rr_vector_1a2b3c4d":[")" + b64 + R"("]})", key, out));
  CHECK(out == std::vector<float>{1, 2, 3, 4});
  // The field name appears first as another member's value, then as the key.
  CHECK(rerank::hitVector(R"({"note":["rr_vector_1a2b3c4d"], "rr_vector_1a2b3c4d" : [ ")" + b64 +
                              R"("]})",
                          key, out));
  CHECK(out == std::vector<float>{1, 2, 3, 4});
  CHECK_FALSE(rerank::hitVector(R"({"other":[")" + b64 + R"("]})", key, out));
  CHECK_FALSE(rerank::hitVector(R"({"rr_vector_1a2b3c4d":["AAC!"]})", key, out));
  CHECK_FALSE(rerank::hitVector("", key, out));
}
