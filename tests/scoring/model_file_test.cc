// Model files: a round trip scores identically; corrupt, truncated, foreign
// and mismatched files are refused with a message that says why.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <limits>
#include <filesystem>
#include <fstream>

#include "scoring/model_file.h"
#include "tests/scoring/example_factory.h"

using namespace rr::scoring;
namespace fs = std::filesystem;

namespace {

std::string tempPath(const std::string& name) {
  return (fs::temp_directory_path() / ("rr-model-test-" + std::to_string(::getpid()) + "-" + name))
      .string();
}

std::string readAll(const std::string& path) {
  std::ifstream f(path, std::ios::binary | std::ios::ate);
  std::string data(static_cast<std::size_t>(f.tellg()), '\0');
  f.seekg(0);
  f.read(data.data(), static_cast<std::streamsize>(data.size()));
  return data;
}

void writeAll(const std::string& path, const std::string& data) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(data.data(), static_cast<std::streamsize>(data.size()));
}

// `body` followed by the checksum line model_file.cc writes (FNV-1a 64 of
// every byte before it, 16 lowercase hex digits): an edited file that only
// the checks after the checksum can catch.
std::string sealed(const std::string& body) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : body) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return body + "\nchecksum=" + hex + "\n";
}

// A saved file without its checksum line.
std::string bodyOf(const std::string& data) { return data.substr(0, data.rfind("\nchecksum=")); }

// A small trained-looking model with statistics and a summary.
Model sampleModel() {
  Model model = rr::testing::tinyModel(17);
  model.version = "test-1";
  model.summary().push_back({"data", "unit test"});
  model.stats().addClick("halo", "sku-1");
  model.stats().addClick("halo", "sku-2");
  model.stats().addClick("", "sku-1");
  return model;
}

}  // namespace

TEST_CASE("a saved model loads back and scores identically", "[unit][scoring]") {
  Model model = sampleModel();
  const std::string path = tempPath("roundtrip");
  REQUIRE(saveModel(model, path));
  auto loaded = loadModel(path);
  REQUIRE(loaded);
  const Model& m2 = **loaded;
  CHECK(m2.version == "test-1");
  CHECK(m2.dims().dim == model.dims().dim);
  CHECK(m2.tokenizer().settings().buckets == model.tokenizer().settings().buckets);
  CHECK(m2.summary() == model.summary());
  CHECK(m2.stats().clickPrior("halo", "sku-1") == model.stats().clickPrior("halo", "sku-1"));
  CHECK(m2.stats().popularity("sku-1") == model.stats().popularity("sku-1"));
  CHECK(m2.params().item_tokens == model.params().item_tokens);
  CHECK(m2.params().mlp.w3 == model.params().mlp.w3);
  CHECK(m2.params().mlp.b3 == model.params().mlp.b3);

  std::mt19937_64 rng(3);
  TrainingExample ex = rr::testing::randomExample(rng, model, 7, 3);
  Model copy = m2;  // Trainer needs a mutable model
  std::vector<float> a, b;
  Trainer(model, {}).score(ex, a);
  Trainer(copy, {}).score(ex, b);
  CHECK(a == b);
  fs::remove(path);
}

TEST_CASE("decayed click statistics survive a round trip", "[unit][scoring]") {
  Model model = rr::testing::tinyModel(17);
  model.stats() = ClickStats(14.0);
  model.stats().addClick("halo", "a", 1000);
  model.stats().addClick("halo wars", "b", 1000 + 20LL * 86400000);
  const std::string path = tempPath("decay");
  REQUIRE(saveModel(model, path));
  auto loaded = loadModel(path);
  REQUIRE(loaded);
  const ClickStats& s = (*loaded)->stats();
  CHECK(s.halfLifeDays() == 14.0);
  CHECK(s.clickPrior("halo", "a") == model.stats().clickPrior("halo", "a"));
  CHECK(s.tokenPrior("halo wars", "b") == model.stats().tokenPrior("halo wars", "b"));
  CHECK(s.popularity("a") == model.stats().popularity("a"));
  // The logged queries come back too: a query never clicked from still
  // borrows from its nearest one.
  CHECK(s.tables().query_texts == std::vector<std::string>{"halo", "halo wars"});
  REQUIRE(s.similarQuery("halo war"));
  CHECK(*s.similarQuery("halo war") == "halo wars");
  CHECK(s.similarPrior("halo war", "b") == model.stats().similarPrior("halo war", "b"));
  CHECK(s.similarPrior("halo war", "b") > s.clickPrior("halo war", "b"));
  CHECK(s.itemClicks("b") == 1);
  fs::remove(path);
}

TEST_CASE("a model file with one flipped byte is refused as corrupt", "[unit][scoring]") {
  const std::string path = tempPath("corrupt");
  REQUIRE(saveModel(sampleModel(), path));
  std::string data = readAll(path);
  data[data.size() / 2] ^= 0x01;
  writeAll(path, data);
  auto loaded = loadModel(path);
  REQUIRE_FALSE(loaded);
  CHECK_THAT(loaded.error().message, Catch::Contains("checksum mismatch"));
  CHECK_THAT(loaded.error().message, Catch::Contains(path));
  fs::remove(path);
}

TEST_CASE("a truncated model file is refused", "[unit][scoring]") {
  const std::string path = tempPath("truncated");
  REQUIRE(saveModel(sampleModel(), path));
  std::string data = readAll(path);
  writeAll(path, data.substr(0, data.size() / 3));
  auto loaded = loadModel(path);
  REQUIRE_FALSE(loaded);
  CHECK_THAT(loaded.error().message, Catch::Contains("truncated"));
  fs::remove(path);
}

TEST_CASE("a model whose dimension differs from the configuration is refused",
          "[unit][scoring]") {
  const std::string path = tempPath("dims");
  REQUIRE(saveModel(sampleModel(), path));
  auto loaded = loadModel(path, {.dim = 64});
  REQUIRE_FALSE(loaded);
  CHECK_THAT(loaded.error().message, Catch::Contains("does not match the configured 64"));
  CHECK(loadModel(path, {.dim = 6}));
  fs::remove(path);
}

TEST_CASE("a model with another feature schema is refused even with a valid checksum",
          "[unit][scoring]") {
  const std::string path = tempPath("schema");
  REQUIRE(saveModel(sampleModel(), path));
  std::string data = readAll(path);
  const std::string from = "features=engine_score,";
  const auto at = data.find(from);
  REQUIRE(at != std::string::npos);
  data.replace(at, from.size(), "features=engine_zcore,");
  // Re-seal it so only the schema check can catch it.
  writeAll(path, sealed(bodyOf(data)));
  auto loaded = loadModel(path);
  REQUIRE_FALSE(loaded);
  CHECK_THAT(loaded.error().message, Catch::Contains("feature schema"));
  fs::remove(path);
}

TEST_CASE("a file that is not a model is refused by its magic", "[unit][scoring]") {
  const std::string path = tempPath("notmodel");
  writeAll(path, "{\"hello\":1}\n");
  auto loaded = loadModel(path);
  REQUIRE_FALSE(loaded);
  CHECK_THAT(loaded.error().message, Catch::Contains("bad magic"));
  CHECK_FALSE(loadModel(tempPath("missing")));
  fs::remove(path);
}

TEST_CASE("query click lists survive a round trip in order, and no lists load as none",
          "[unit][scoring]") {
  Model model = sampleModel();
  model.queryClicks()["halo"] = {"sku-2", "sku-1", "sku-9"};
  model.queryClicks()["xbox one"] = {"sku-3"};
  model.queryClicks()["empty list"] = {};
  const std::string path = tempPath("lists");
  REQUIRE(saveModel(model, path));
  auto loaded = loadModel(path);
  REQUIRE(loaded);
  CHECK((*loaded)->queryClicks() == model.queryClicks());
  REQUIRE((*loaded)->clickedFor("halo"));
  CHECK(*(*loaded)->clickedFor("halo") == std::vector<std::string>{"sku-2", "sku-1", "sku-9"});
  CHECK((*loaded)->clickedFor("halo wars") == nullptr);

  // The same lists inserted in another order give the same bytes.
  Model reordered = sampleModel();
  reordered.queryClicks()["empty list"] = {};
  reordered.queryClicks()["xbox one"] = {"sku-3"};
  reordered.queryClicks()["halo"] = {"sku-2", "sku-1", "sku-9"};
  const std::string path2 = tempPath("lists-reordered");
  REQUIRE(saveModel(reordered, path2));
  CHECK(readAll(path2) == readAll(path));

  REQUIRE(saveModel(sampleModel(), path));
  loaded = loadModel(path);
  REQUIRE(loaded);
  CHECK((*loaded)->queryClicks().empty());
  fs::remove(path);
  fs::remove(path2);
}

TEST_CASE("format 3, 4 and 5 model files, without query click lists, query texts or "
          "transitions, still load",
          "[unit][scoring]") {
  const Model model = sampleModel();
  const std::string path = tempPath("v3");
  REQUIRE(saveModel(model, path));
  // Format 5 is format 6 without the transitions at the end: here only
  // their 8-byte count of 0.
  std::string body = bodyOf(readAll(path));
  REQUIRE(body.starts_with("RRMODEL 6\n"));
  REQUIRE(model.stats().transitions() == 0);
  REQUIRE(body.ends_with(std::string(8, '\0')));
  body.resize(body.size() - 8);
  body.replace(0, std::string("RRMODEL 6").size(), "RRMODEL 5");
  writeAll(path, sealed(body));
  auto loaded = loadModel(path);
  REQUIRE(loaded);
  CHECK((*loaded)->stats().transitions() == 0);
  CHECK((*loaded)->stats().tables().query_texts == std::vector<std::string>{"halo"});

  // Format 4 is format 5 without the query texts at the end: here a count
  // of 1, then "halo" (4 bytes of length, 4 of text).
  REQUIRE(model.stats().tables().query_texts == std::vector<std::string>{"halo"});
  body.resize(body.size() - 16);
  body.replace(0, std::string("RRMODEL 5").size(), "RRMODEL 4");
  writeAll(path, sealed(body));
  loaded = loadModel(path);
  REQUIRE(loaded);
  CHECK((*loaded)->stats().tables().query_texts.empty());
  CHECK_FALSE((*loaded)->stats().similarQuery("halo3"));
  CHECK((*loaded)->stats().clickPrior("halo", "sku-1") ==
        model.stats().clickPrior("halo", "sku-1"));

  // Format 3 is format 4 without the lists section: with no lists that
  // section is only its 8-byte count of 0.
  REQUIRE(body.ends_with(std::string(8, '\0')));
  body.resize(body.size() - 8);
  body.replace(0, std::string("RRMODEL 4").size(), "RRMODEL 3");
  writeAll(path, sealed(body));
  loaded = loadModel(path);
  REQUIRE(loaded);
  CHECK((*loaded)->version == "test-1");
  CHECK((*loaded)->queryClicks().empty());
  CHECK((*loaded)->stats().clickPrior("halo", "sku-1") ==
        model.stats().clickPrior("halo", "sku-1"));
  CHECK((*loaded)->params().mlp.w1 == model.params().mlp.w1);

  // Other versions are refused by name.
  body.replace(0, std::string("RRMODEL 3").size(), "RRMODEL 2");
  writeAll(path, sealed(body));
  loaded = loadModel(path);
  REQUIRE_FALSE(loaded);
  CHECK_THAT(loaded.error().message, Catch::Contains("format 'RRMODEL 2' is not supported "
                                                     "(this build reads RRMODEL 3 to 6)"));
  fs::remove(path);
}

TEST_CASE("a model file whose query click lists, query texts or transitions are cut short is "
          "refused",
          "[unit][scoring]") {
  Model model = sampleModel();
  model.queryClicks()["halo"] = {"sku-2", "sku-1"};
  const std::string path = tempPath("lists-short");
  REQUIRE(saveModel(model, path));
  const std::string body = bodyOf(readAll(path));
  // The lists are 8 (count) + 4 + 4 ("halo") + 4 (list length) + 2 * (4 + 5)
  // (the ids) = 38 bytes, then come the query texts: 8 (count) + 4 + 4
  // ("halo") = 16, then the transitions: 8 (a count of 0). Resealed each
  // time, so only the sections' own lengths can catch it: 3 bytes short
  // ends inside the transitions' count; 8 + 3 inside the last text, 8 + 12
  // inside the texts' count; 24 + 3 inside the lists' last id, 24 + 34
  // inside their count.
  for (const std::size_t cut : {3, 11, 20, 27, 58}) {
    INFO("cut " << cut);
    writeAll(path, sealed(body.substr(0, body.size() - cut)));
    auto loaded = loadModel(path);
    REQUIRE_FALSE(loaded);
    CHECK_THAT(loaded.error().message,
               Catch::Contains(cut <= 8    ? "transitions are cut short"
                               : cut <= 24 ? "query texts are cut short"
                                           : "query click lists are cut short"));
  }
  fs::remove(path);
}

TEST_CASE("a model file whose transitions are out of order or not positive counts is refused",
          "[unit][scoring]") {
  Model model = sampleModel();
  model.stats().addTransition("sku-1", "sku-2", 1.0f);
  model.stats().addTransition("sku-1", "sku-3", 2.0f);
  const std::string path = tempPath("transitions-bad");
  REQUIRE(saveModel(model, path));
  const std::string body = bodyOf(readAll(path));
  // The file ends with sku-1's list: its two entries of 8 (key) + 4 (count)
  // bytes each, in key order.
  const std::string first = body.substr(body.size() - 24, 12);
  const std::string second = body.substr(body.size() - 12, 12);
  std::string swapped = body.substr(0, body.size() - 24) + second + first;
  writeAll(path, sealed(swapped));
  auto loaded = loadModel(path);
  REQUIRE_FALSE(loaded);
  CHECK_THAT(loaded.error().message, Catch::Contains("transitions are out of order"));

  for (const float bad : {0.0f, -1.0f, std::numeric_limits<float>::quiet_NaN()}) {
    INFO("count " << bad);
    std::string edited = body;
    std::memcpy(edited.data() + edited.size() - 4, &bad, 4);
    writeAll(path, sealed(edited));
    loaded = loadModel(path);
    REQUIRE_FALSE(loaded);
    CHECK_THAT(loaded.error().message, Catch::Contains("count is not a positive number"));
  }
  // The untouched file loads, with both transitions.
  writeAll(path, sealed(body));
  loaded = loadModel(path);
  REQUIRE(loaded);
  CHECK((*loaded)->stats().transitions() == 2);
  fs::remove(path);
}

TEST_CASE("a model file whose transition lists are out of order or repeated is refused",
          "[unit][scoring]") {
  Model model = sampleModel();
  model.stats().addTransition("sku-1", "sku-2", 1.0f);
  model.stats().addTransition("sku-4", "sku-5", 1.0f);
  const std::string path = tempPath("transition-lists-bad");
  REQUIRE(saveModel(model, path));
  const std::string body = bodyOf(readAll(path));
  // The file ends with the two lists in key order, each 8 (item) + 8
  // (length) + 8 + 4 (its one entry) bytes.
  const std::string first = body.substr(body.size() - 56, 28);
  const std::string second = body.substr(body.size() - 28, 28);
  const std::string head = body.substr(0, body.size() - 56);
  for (const std::string& edited : {head + second + first, head + first + first}) {
    writeAll(path, sealed(edited));
    auto loaded = loadModel(path);
    REQUIRE_FALSE(loaded);
    CHECK_THAT(loaded.error().message, Catch::Contains("transitions are out of order"));
  }
  writeAll(path, sealed(body));
  auto loaded = loadModel(path);
  REQUIRE(loaded);
  CHECK((*loaded)->stats().transitions() == 2);
  fs::remove(path);
}
