// The pure parts of index-sync: the vector encoding, the content hash, the
// field names, the state document, reading a scanned hit, the progress line.
#include <catch2/catch.hpp>

#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "index_sync/item_reader.h"
#include "index_sync/progress.h"
#include "index_sync/sync_state.h"
#include "index_sync/vector_fields.h"

using namespace rr;
using namespace rr::index_sync;

TEST_CASE("vectors round-trip through base64, padded or not", "[index_sync]") {
  CHECK(encodeVector(std::vector<float>{1.0f}) == "AACAPw==");
  CHECK(encodeVector(std::vector<float>{1.0f, 2.0f, 3.0f, 4.0f}) ==
        "AACAPwAAAEAAAEBAAACAQA==");
  std::vector<float> out;
  REQUIRE(decodeVector("AACAPwAAAEAAAEBAAACAQA", out));  // doc values drop the padding
  CHECK(out == std::vector<float>{1, 2, 3, 4});
  const std::vector<float> odd{-0.5f, 3.25e-7f, 1e30f, 0.0f, -7.0f};
  REQUIRE(decodeVector(encodeVector(odd), out));
  CHECK(out == odd);
  CHECK_FALSE(decodeVector("AAC!Pw==", out));  // not base64
  CHECK_FALSE(decodeVector("AACA", out));      // 3 bytes: not whole floats
  CHECK_FALSE(decodeVector("A", out));
}

TEST_CASE("vectors of every length decode exactly, and a bad character anywhere is refused",
          "[index_sync]") {
  // Long enough for the 32-character blocks and every tail length after them.
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> value(-1e3f, 1e3f);
  std::vector<float> out;
  for (std::size_t d = 1; d <= 70; ++d) {
    std::vector<float> v(d);
    for (float& x : v) x = value(rng);
    std::string text = encodeVector(v);
    INFO("d = " << d << ", " << text);
    REQUIRE(decodeVector(text, out));
    CHECK(out == v);
    while (text.back() == '=') text.pop_back();
    REQUIRE(decodeVector(text, out));
    CHECK(out == v);
    REQUIRE(detail::decodeVectorWith(text, out, /*blocks=*/false));
    CHECK(out == v);
  }
  // Every alphabet character at every place of a block decodes to its value.
  std::string all;
  for (char c = 'A'; c <= 'Z'; ++c) all += c;
  for (char c = 'a'; c <= 'z'; ++c) all += c;
  for (char c = '0'; c <= '9'; ++c) all += c;
  all += "+/";
  REQUIRE(all.size() == 64);
  const std::string twice = all + all;  // 128 characters: 96 bytes, 24 floats
  REQUIRE(decodeVector(twice, out));
  REQUIRE(out.size() == 24);
  CHECK(encodeVector(out) == twice);
  // Characters just outside each range, and bytes above 0x7f.
  const std::string bad = {'!', '@', '[', '`', '{', '/' - 1, '9' + 1, '*', ',', '=', '-', '_', ' ',
                           '\0', '\x80', '\xff', '\xc3'};
  for (std::size_t at = 0; at < 128; at += 5) {
    for (char b : bad) {
      std::string t = twice;
      t[at] = b;
      INFO("position " << at << ", byte " << static_cast<int>(static_cast<unsigned char>(b)));
      CHECK_FALSE(decodeVector(t, out));
      CHECK_FALSE(detail::decodeVectorWith(t, out, /*blocks=*/false));
    }
  }
}

TEST_CASE("each model version gets its own fields", "[index_sync]") {
  const auto a = vectorFields("rr_vector", "shop-v1");
  const auto b = vectorFields("rr_vector", "shop-v2");
  CHECK(a.tag.size() == 8);
  CHECK(a.tag != b.tag);
  CHECK(a.vector == "rr_vector_" + a.tag);
  CHECK(a.meta == a.vector + "_m");
  CHECK(a.knn == a.vector + "_knn");
  CHECK(vectorFields("rr_vector", "shop-v1").tag == a.tag);  // stable
  const auto stored = vectorMapping(a, 32, false);
  CHECK(stored.find("\"binary\"") != std::string::npos);
  CHECK(stored.find("knn_vector") == std::string::npos);
  const auto knn = vectorMapping(a, 32, true);
  CHECK(knn.find("\"knn_vector\",\"dimension\":32") != std::string::npos);
  CHECK(knn.find("\"engine\":\"lucene\"") != std::string::npos);
}

TEST_CASE("the content hash changes with every feature the tower reads, and only then",
          "[index_sync]") {
  scoring::ItemText base{"1", "Halo 3", "A shooter", "Microsoft", "Games", 59.99};
  const auto h = contentHash(base);
  CHECK(h.size() == 16);
  CHECK(contentHash(base) == h);
  auto with = [&](auto change) {
    auto t = base;
    change(t);
    return contentHash(t);
  };
  CHECK(with([](auto& t) { t.id = "2"; }) != h);
  CHECK(with([](auto& t) { t.title = "Halo 4"; }) != h);
  CHECK(with([](auto& t) { t.description = "A racer"; }) != h);
  CHECK(with([](auto& t) { t.brand = "Sony"; }) != h);
  CHECK(with([](auto& t) { t.category = "Toys"; }) != h);
  CHECK(with([](auto& t) { t.price = 49.99; }) != h);
  CHECK(with([](auto& t) { t.price.reset(); }) != h);
  // Field boundaries count: moving text from one field to the next differs.
  CHECK(with([](auto& t) { t.title = "Halo"; t.description = "3A shooter"; }) != h);
  CHECK(metaValue("v1", h) == "v1|" + h);
}

TEST_CASE("_source exclude patterns match like the engine's wildcards", "[index_sync]") {
  CHECK(matchesExcludePattern("rr_vector*", "rr_vector_1a2b3c4d"));
  CHECK(matchesExcludePattern("rr_vector*", "rr_vector_1a2b3c4d_knn"));
  CHECK(matchesExcludePattern("*_knn", "rr_vector_1a2b3c4d_knn"));
  CHECK(matchesExcludePattern("rr_*_m", "rr_vector_x_m"));
  CHECK(matchesExcludePattern("rr_vector_x", "rr_vector_x"));
  CHECK_FALSE(matchesExcludePattern("rr_vector_x", "rr_vector_x_m"));
  CHECK_FALSE(matchesExcludePattern("vector*", "rr_vector_x"));
  CHECK_FALSE(matchesExcludePattern("", "a"));
}

TEST_CASE("the sync state survives a round trip through its JSON", "[index_sync]") {
  SyncState s;
  s.index = "products";
  s.active = VersionState{"v1", "rr_vector_aaaa", 32, true, 1700000000000};
  s.building = VersionState{"v \"2\"", "rr_vector_bbbb", 64, false, 1700000001000};
  s.checkpoint_ms = 1700000000123;
  s.checkpoint_version = "v1";
  auto back = stateFromJson(stateToJson(s));
  REQUIRE(back);
  CHECK(back->index == "products");
  REQUIRE(back->active);
  CHECK(back->active->version == "v1");
  CHECK(back->active->field == "rr_vector_aaaa");
  CHECK(back->active->dim == 32);
  CHECK(back->active->knn);
  REQUIRE(back->building);
  CHECK(back->building->version == "v \"2\"");
  CHECK(back->building->dim == 64);
  CHECK(back->checkpoint_ms == 1700000000123);
  CHECK(back->checkpoint_version == "v1");

  SyncState empty;
  auto e = stateFromJson(stateToJson(empty));
  REQUIRE(e);
  CHECK_FALSE(e->active);
  CHECK_FALSE(e->building);
  CHECK_FALSE(e->checkpoint_ms);
  auto bad = stateFromJson(R"({"active":{"version":3}})");
  REQUIRE_FALSE(bad);
  CHECK_THAT(bad.error(), Catch::Contains("active"));
}

namespace {

ReadPlan plan() {
  ReadPlan p;
  p.fields.id = "sku";
  p.fields.title = "name";
  p.fields.description = "details.text";
  p.fields.brand = "brand";
  p.fields.category = "categories";
  p.fields.price = "price";
  p.fields.updated_at = "updated";
  p.target_meta = "rr_vector_b_m";
  p.carry_vector = "rr_vector_a";
  p.carry_meta = "rr_vector_a_m";
  return p;
}

connectors::Hit hit(std::string_view source, std::string_view fields) {
  connectors::Hit h;
  h.id = "doc-1";
  h.index = "products";
  h.seq_no = 12;
  h.primary_term = 3;
  h.source = source;
  h.fields = fields;
  return h;
}

}  // namespace

TEST_CASE("a scanned hit yields the item text and its sync metadata", "[index_sync]") {
  ItemReader reader(plan());
  CHECK(reader.sourceFilter() == R"(["sku","name","details.text","brand","categories","price"])");
  CHECK(reader.docvalueFields() ==
        R"(["rr_vector_b_m","rr_vector_a","rr_vector_a_m",{"field":"updated","format":"epoch_millis"}])");
  const std::string source =
      R"({"price":19.5,"categories":["Games","Shooter"],"brand":"Microsoft",)"
      R"("details":{"text":"Master \"Chief\""},"name":"Halo 3","sku":12345})";
  const std::string fields =
      R"({"updated":["1700000000123"],"rr_vector_a":["AACAPw"],"rr_vector_a_m":["v1|abc"]})";
  auto item = reader.read(hit(source, fields));
  REQUIRE(item);
  CHECK(item->doc_id == "doc-1");
  CHECK(item->seq_no == 12);
  CHECK(item->primary_term == 3);
  CHECK(item->text.id == "12345");
  CHECK(item->text.title == "Halo 3");
  CHECK(item->text.description == "Master \"Chief\"");
  CHECK(item->text.brand == "Microsoft");
  CHECK(item->text.category == "Games Shooter");
  CHECK(item->text.price == 19.5);
  CHECK(item->updated_at_ms == 1700000000123);
  CHECK(item->target_meta.empty());
  CHECK(item->carry_vector == "AACAPw");
  CHECK(item->carry_meta == "v1|abc");
}

TEST_CASE("a hit the reader cannot use is an error naming the document and field",
          "[index_sync]") {
  ItemReader reader(plan());
  auto no_id = reader.read(hit(R"({"name":"x"})", ""));
  REQUIRE_FALSE(no_id);
  CHECK_THAT(no_id.error(), Catch::Contains("doc-1") && Catch::Contains("'sku' is missing"));
  auto bad_price = reader.read(hit(R"({"sku":"1","price":"cheap"})", ""));
  REQUIRE_FALSE(bad_price);
  CHECK_THAT(bad_price.error(), Catch::Contains("'price' is not a number"));
  auto object_title = reader.read(hit(R"({"sku":"1","name":{"en":"x"}})", ""));
  REQUIRE_FALSE(object_title);
  CHECK_THAT(object_title.error(), Catch::Contains("'name' is not text"));
  auto h = hit(R"({"sku":"1"})", "");
  h.seq_no.reset();
  auto no_seq = reader.read(h);
  REQUIRE_FALSE(no_seq);
  CHECK_THAT(no_seq.error(), Catch::Contains("_seq_no"));
  // Optional fields may be absent or null.
  auto sparse = reader.read(hit(R"({"sku":"1","brand":null})", ""));
  REQUIRE(sparse);
  CHECK(sparse->text.brand.empty());
  CHECK_FALSE(sparse->text.price);
  CHECK_FALSE(sparse->updated_at_ms);
}

TEST_CASE("progress prints a line at most once per interval, and always at the end",
          "[index_sync]") {
  std::FILE* out = std::tmpfile();
  REQUIRE(out);
  auto t = Progress::Clock::time_point{};
  Progress p("sync", false, out, std::chrono::seconds(10), [&] { return t; });
  p.setTotal(1000);
  t += std::chrono::seconds(5);
  p.update(100, 50);  // too soon
  t += std::chrono::seconds(6);
  p.update(200, 150);
  t += std::chrono::seconds(1);
  p.update(300, 250);  // too soon again
  t += std::chrono::seconds(1);
  p.finish(1000, 900);
  std::rewind(out);
  std::string text(4096, '\0');
  text.resize(std::fread(text.data(), 1, text.size(), out));
  std::fclose(out);
  CHECK(text ==
        "sync 200/1000 (20%) scanned, 150 written, 18 items/s, ETA 44s\n"
        "sync 1000/1000 (100%) scanned, 900 written, 77 items/s\n");
  CHECK(Progress::format("s", 50, 100, 10, 1.0, true).find("[###############...............]") !=
        std::string::npos);
}
