// rerank/'s pure core, responses: the member scanner both rewriters stand
// on, and the writers that cut the client's page from the reranked window.
// Every output is re-parsed with simdjson's DOM parser.
#include <catch2/catch.hpp>

#include "rerank_core_test_support.h"

using namespace rr::rerank;
using namespace rr::rerank::test;

// ---------------------------------------------------------------------------
// The member scanner both rewriters stand on

TEST_CASE("the scanner slices members exactly, through escapes, brackets in strings and whitespace",
          "[rerank][scan]") {
  const std::string text =
      " {\n \"a\\\"b\" : \"x]}\\\\\" ,\"n\":[1,{\"k\":\"{[\"}], \"t\":true,\"e\":{} \n} ";
  rr::rerank::detail::ObjectLayout layout;
  REQUIRE(rr::rerank::detail::scanObject(text, layout));
  REQUIRE(layout.members.size() == 4);
  CHECK(layout.members[0].key == "a\\\"b");
  CHECK(layout.members[0].value == "\"x]}\\\\\"");
  CHECK(layout.members[0].text == "\"a\\\"b\" : \"x]}\\\\\"");
  CHECK(layout.members[1].value == "[1,{\"k\":\"{[\"}]");
  CHECK(layout.members[2].value == "true");
  CHECK(layout.members[3].value == "{}");
  CHECK(layout.open_gap == "\n ");
  CHECK(layout.separators[1] == " ,");
  CHECK(layout.close_gap == " \n");
  // Dropping and replacing members keeps the rest as written.
  std::vector<std::optional<std::string_view>> replace = {
      std::string_view{}, std::nullopt, std::string_view("\"t\":1"), std::nullopt};
  std::string out;
  rr::rerank::detail::writeObject(out, layout, replace, "\"z\":0");
  CHECK(out == "{\n \"n\":[1,{\"k\":\"{[\"}], \"t\":1,\"e\":{},\"z\":0 \n}");
}

TEST_CASE("the scanner jumps over values a parser delimited, and only those inside its text",
          "[rerank][scan]") {
  const std::string text =
      R"({"took":3,"hits":{"max_score":2.0,"hits":[ {"_id":"a","s":"}]"} , {"_id":"b"} ]},"x":1})";
  auto slices = [](const rr::rerank::detail::ObjectLayout& l) {
    std::vector<std::string_view> out;
    for (const auto& m : l.members) out.push_back(m.text);
    return out;
  };
  const std::string_view view(text);
  const std::string_view a = view.substr(text.find("{\"_id\":\"a\""), 20);
  const std::string_view b = view.substr(text.find("{\"_id\":\"b\""), 11);
  REQUIRE(a == R"({"_id":"a","s":"}]"})");
  REQUIRE(b == R"({"_id":"b"})");
  rr::rerank::detail::ObjectLayout plain, jumped;
  REQUIRE(rr::rerank::detail::scanObject(text, plain));
  const std::string elsewhere = R"({"_id":"b"})";  // equal text, another buffer: ignored
  const std::vector<std::string_view> known = {a, std::string_view(elsewhere), b};
  REQUIRE(rr::rerank::detail::scanObject(text, jumped, known));
  CHECK(slices(jumped) == slices(plain));
  rr::rerank::detail::ObjectLayout hits_plain, hits_jumped;
  REQUIRE(rr::rerank::detail::scanObject(plain.members[1].value, hits_plain));
  REQUIRE(rr::rerank::detail::scanObject(jumped.members[1].value, hits_jumped, known));
  CHECK(slices(hits_jumped) == slices(hits_plain));
  // The jump is taken: told that a ends one byte short of its last brace,
  // the scan lands on that brace and no longer reads one object.
  const std::vector<std::string_view> wrong = {a.substr(0, a.size() - 1)};
  rr::rerank::detail::ObjectLayout misled;
  CHECK_FALSE(rr::rerank::detail::scanObject(plain.members[1].value, misled, wrong));
}

TEST_CASE("the scanner refuses text that is not one object without reading past its end",
          "[rerank][scan]") {
  for (std::string bad :
       {"", " ", "[]", "{", "{\"a\"", "{\"a\":", "{\"a\":1", "{\"a\":1,}", "{\"a\" 1}",
        "{\"a\":\"x}", "{\"a\":[1,2}", "{\"a\":1}}", "{\"a\":1} x", "{a:1}", "{\"a\":\"\\\"}"}) {
    INFO(bad);
    rr::rerank::detail::ObjectLayout layout;
    CHECK_FALSE(rr::rerank::detail::scanObject(bad, layout));
  }
  // Random bytes: never a crash (ASan checks the bounds).
  const std::string_view alphabet = "{}[]\",:\\ a1";
  std::mt19937 rng(7);
  for (int i = 0; i < 500; ++i) {
    std::string text = "{";
    const std::size_t n = rng() % 40;
    for (std::size_t k = 0; k < n; ++k) text.push_back(alphabet[rng() % alphabet.size()]);
    rr::rerank::detail::ObjectLayout layout;
    (void)rr::rerank::detail::scanObject(std::string_view(text), layout);
  }
}

TEST_CASE("numbers are written in the shortest form that reads back, with .0 on integral values",
          "[rerank][scan]") {
  auto d = [](double v) {
    std::string s;
    rr::rerank::detail::appendDouble(s, v);
    return s;
  };
  auto f = [](float v) {
    std::string s;
    rr::rerank::detail::appendFloat(s, v);
    return s;
  };
  CHECK(d(0.14915733) == "0.14915733");
  CHECK(d(2) == "2.0");
  CHECK(d(-0.5) == "-0.5");
  CHECK(d(1e300) == "1e+300");
  CHECK(d(std::nan("")) == "0.0");
  CHECK(f(0.25f) == "0.25");
  CHECK(f(3.0f) == "3.0");
  CHECK(f(std::numeric_limits<float>::infinity()) == "null");
}

// ---------------------------------------------------------------------------
// Response writers

TEST_CASE("the engine-order page is byte for byte the engine's own answer to the client's page",
          "[rerank][response]") {
  // Recorded: the window request (from 0, size 10, vector fields added) and
  // the client's own request (from 2, size 3, its own docvalue field only).
  const auto w = window("window_halo.json");
  const std::string expected = readFixture("client_page_from2_size3.json");
  const ResponseParts parts{.window = &w, .from = 2, .size = 3, .strip_fields = kVectorFields};
  CHECK(withoutTook(writeEngineOrderPage(parts)) == withoutTook(expected));
}

TEST_CASE(
    "reranking into the engine's own order with its scores reproduces the engine's page exactly",
    "[rerank][response]") {
  const auto w = window("window_halo.json");
  const std::vector<RankedHit> order = engineOrder(w);
  const ResponseParts parts{
      .window = &w, .order = order, .from = 2, .size = 3, .strip_fields = kVectorFields};
  CHECK(withoutTook(writeSearchResponse(parts)) ==
        withoutTook(readFixture("client_page_from2_size3.json")));
}

TEST_CASE("a reranked page has the new order and scores and every other byte of each hit",
          "[rerank][response]") {
  const auto w = window("window_halo.json");
  const std::vector<RankedHit> order = reversedOrder(w);
  const ResponseParts parts{.window = &w,
                            .order = order,
                            .from = 0,
                            .size = 4,
                            .extra_took_ms = 7,
                            .strip_fields = kVectorFields};
  const std::string out = writeSearchResponse(parts);
  const auto hits = outHits(out);
  REQUIRE(hits.size() == 4);
  const auto original = outHits(std::string(w.raw));  // the window, as the engine wrote it
  for (std::size_t i = 0; i < hits.size(); ++i) {
    INFO("page hit " << i);
    const std::size_t wi = order[i].window_index;
    const auto& engine_hit = original[wi];
    CHECK(hits[i].id == engine_hit.id);
    CHECK(hits[i].score == order[i].score);
    CHECK(hits[i].keys == engine_hit.keys);  // same members, same order
    for (const auto& [key, value] : engine_hit.members) {
      if (key == "_score" || key == "fields") continue;
      CHECK(hits[i].members.at(key) == value);
    }
    // Only the client's own docvalue field is left in `fields`.
    std::smatch brand;
    REQUIRE(std::regex_search(engine_hit.members.at("fields"), brand,
                              std::regex(R"("brand":\[[^\]]*\])")));
    CHECK(hits[i].members.at("fields") == "{" + brand.str() + "}");
    // The hit's own bytes, not a re-serialization: _source and highlight
    // appear in the output exactly as the engine wrote them.
    CHECK(out.find(w.hits[wi].source) != std::string::npos);
  }
  // Everything around the hits is the engine's.
  auto p = parseJson(out);
  CHECK(intAt(p->root, "took") == w.took + 7);
  double max_score = 0;
  REQUIRE_FALSE(p->root["hits"]["max_score"].get(max_score));
  CHECK(max_score == 10.0);
  CHECK(out.find(w.aggregations) != std::string::npos);
  CHECK(out.find(w.shards) != std::string::npos);
  CHECK(out.find(R"("total":{"value":8,"relation":"eq"})") != std::string::npos);
  CHECK(topKeys(p->root) ==
        std::vector<std::string>{"took", "timed_out", "_shards", "hits", "aggregations"});
}

TEST_CASE("escaped strings and unicode in hits are copied exactly", "[rerank][response]") {
  const auto w = window("window_halo.json");
  const std::vector<RankedHit> order = reversedOrder(w);
  const std::string out = writeSearchResponse(
      {.window = &w, .order = order, .from = 0, .size = 8, .strip_fields = kVectorFields});
  CHECK(out.find(R"("title":"Halo Wars 2 \"Ultimate\" edition")") != std::string::npos);
  CHECK(out.find(R"("title":"Halo 3 \\ ODST")") != std::string::npos);
  CHECK(out.find("日本語") != std::string::npos);
  parseJson(out);
}

TEST_CASE("page 2 continues page 1 with no duplicates or gaps and scores never rise",
          "[rerank][response]") {
  const auto w = window("window_halo.json");
  const std::vector<RankedHit> order = reversedOrder(w);
  std::vector<std::string> ids;
  std::vector<double> scores;
  for (int from = 0; from < 12; from += 3) {
    const std::string out = writeSearchResponse(
        {.window = &w, .order = order, .from = from, .size = 3, .strip_fields = kVectorFields});
    for (const auto& h : outHits(out)) {
      ids.push_back(h.id);
      scores.push_back(h.score);
    }
    auto p = parseJson(out);
    double max_score = 0;
    REQUIRE_FALSE(p->root["hits"]["max_score"].get(max_score));
    CHECK(max_score == 10.0);  // the window's top score on every page
  }
  std::vector<std::string> expected;
  for (const auto& r : order) expected.emplace_back(w.hits[r.window_index].id);
  CHECK(ids == expected);
  CHECK(std::is_sorted(scores.rbegin(), scores.rend()));
}

TEST_CASE("a page past the end of the window has no hits but keeps totals and aggregations",
          "[rerank][response]") {
  const auto w = window("window_halo.json");
  const std::vector<RankedHit> order = reversedOrder(w);
  for (int from : {8, 9, 50}) {
    const std::string out =
        writeSearchResponse({.window = &w, .order = order, .from = from, .size = 5});
    CHECK(outHits(out).empty());
    CHECK(out.find(R"("hits":[])") != std::string::npos);
    CHECK(out.find(w.aggregations) != std::string::npos);
    CHECK(out.find(R"("max_score":10.0)") != std::string::npos);
  }
  const std::string engine_page = writeEngineOrderPage({.window = &w, .from = 8, .size = 5});
  CHECK(outHits(engine_page).empty());
  CHECK(engine_page.find(R"("max_score":0.14915733)") != std::string::npos);
}

TEST_CASE("an empty window gives empty hits and a null max_score", "[rerank][response]") {
  const auto w = window("window_empty.json");
  const std::string out =
      writeSearchResponse({.window = &w, .order = {}, .from = 0, .size = 10, .extra_took_ms = 2});
  CHECK(withoutTook(out) == withoutTook(std::string(w.raw)));
  auto p = parseJson(out);
  CHECK(p->root["hits"]["max_score"].is_null());
  CHECK(intAt(p->root, "took") == w.took + 2);
  CHECK(withoutTook(writeEngineOrderPage({.window = &w})) == withoutTook(std::string(w.raw)));
}

TEST_CASE("vector fields are stripped and fields is dropped when nothing else is in it",
          "[rerank][response]") {
  const auto w = window("window_pretty_total_int.json");  // fields holds only the vector and meta
  const std::vector<RankedHit> order = reversedOrder(w);
  const std::string out = writeSearchResponse(
      {.window = &w, .order = order, .from = 0, .size = 5, .strip_fields = kVectorFields});
  CHECK(out.find("rr_vector") == std::string::npos);
  for (const auto& h : outHits(out)) CHECK(h.members.count("fields") == 0);
  SECTION("unless the client asked for them") {
    const std::string kept =
        writeSearchResponse({.window = &w, .order = order, .from = 0, .size = 5});
    for (const auto& h : outHits(kept)) CHECK(h.members.count("fields") == 1);
  }
  SECTION("or asked for one of them") {
    const std::vector<std::string> meta_only = {"rr_vector_1a2b3c4d_m"};
    const std::string one = writeSearchResponse(
        {.window = &w, .order = order, .from = 0, .size = 5, .strip_fields = meta_only});
    for (const auto& h : outHits(one))
      CHECK(h.members.at("fields").find("rr_vector_1a2b3c4d\"") != std::string::npos);
    CHECK(one.find("rr_vector_1a2b3c4d_m") == std::string::npos);
  }
}

TEST_CASE("a pretty window stays pretty and keeps an integer hits.total", "[rerank][response]") {
  const auto w = window("window_pretty_total_int.json");
  const std::vector<RankedHit> order = reversedOrder(w);
  const std::string out = writeSearchResponse({.window = &w,
                                               .order = order,
                                               .from = 1,
                                               .size = 2,
                                               .extra_took_ms = 1,
                                               .strip_fields = kVectorFields});
  auto p = parseJson(out);
  uint64_t total = 0;
  REQUIRE_FALSE(p->root["hits"]["total"].get(total));
  CHECK(total == 8);
  CHECK(out.find("\"_shards\" : {\n    \"total\" : 1,") != std::string::npos);
  CHECK(out.find("\"_score\" : 9.5,") != std::string::npos);
  CHECK(out.find("\"took\" : ") != std::string::npos);
  const auto hits = outHits(out);
  REQUIRE(hits.size() == 2);
  CHECK(hits[0].id == w.hits[order[1].window_index].id);
}

TEST_CASE("explain adds a _rerank member with ranks, features and contributions",
          "[rerank][response]") {
  const auto w = window("window_halo.json");
  const std::vector<RankedHit> order = reversedOrder(w);
  std::vector<HitExplain> explain(order.size());
  for (std::size_t i = 0; i < explain.size(); ++i) {
    explain[i].features = {{"engine_score", static_cast<float>(i)}, {"user\"dot", 0.25f}};
    explain[i].contributions = {{"engine_score", -1.5f}, {"nan", std::nanf("")}};
  }
  const std::string out = writeSearchResponse({.window = &w,
                                               .order = order,
                                               .from = 2,
                                               .size = 2,
                                               .strip_fields = kVectorFields,
                                               .explain = explain});
  const auto hits = outHits(out);
  REQUIRE(hits.size() == 2);
  CHECK(hits[0].keys.back() == "_rerank");
  CHECK(
      hits[0].members.at("_rerank") ==
      R"({"rank":3,"engine_rank":6,"features":{"engine_score":2.0,"user\"dot":0.25},"contributions":{"engine_score":-1.5,"nan":null}})");
  CHECK(hits[1].members.at("_rerank").find(R"("rank":4,"engine_rank":5)") != std::string::npos);
  SECTION("and nothing without explain") {
    CHECK(writeSearchResponse({.window = &w, .order = order}).find("_rerank") == std::string::npos);
  }
}

TEST_CASE("scores that rise, NaN, infinities, repeats and stray indices never reach the output",
          "[rerank][response]") {
  const auto w = window("window_halo.json");
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<RankedHit> order = {{3, inf}, {0, 2.0},          {0, 9.0},  {99, 5.0},
                                        {1, 3.0}, {2, std::nan("")}, {4, -inf}, {5, 1.0}};
  const std::string out =
      writeSearchResponse({.window = &w, .order = order, .from = 0, .size = 10});
  const auto hits = outHits(out);
  std::vector<std::string> ids;
  for (const auto& h : hits) ids.push_back(h.id);
  CHECK(ids == std::vector<std::string>{"p10", "p9", "p1", "p6", "p8", "p2"});
  std::vector<double> scores;
  for (const auto& h : hits) scores.push_back(h.score);
  CHECK(scores == std::vector<double>{std::numeric_limits<double>::max(), 2.0, 2.0, 2.0,
                                      std::numeric_limits<double>::lowest(),
                                      std::numeric_limits<double>::lowest()});
  // Page 2 shows the same scores for the same hits.
  const auto page2 =
      outHits(writeSearchResponse({.window = &w, .order = order, .from = 2, .size = 2}));
  REQUIRE(page2.size() == 2);
  CHECK(page2[0].score == 2.0);
  CHECK(page2[1].score == 2.0);
}

TEST_CASE("negative page bounds read as an empty page from the top", "[rerank][response]") {
  const auto w = window("window_halo.json");
  const std::vector<RankedHit> order = engineOrder(w);
  CHECK(
      outHits(writeSearchResponse({.window = &w, .order = order, .from = -5, .size = 2})).size() ==
      2);
  CHECK(
      outHits(writeSearchResponse({.window = &w, .order = order, .from = 0, .size = -1})).empty());
  CHECK(outHits(writeEngineOrderPage({.window = &w, .from = 7, .size = 100})).size() == 1);
}

TEST_CASE("top-level members the writer does not know are copied in the engine's order",
          "[rerank][response]") {
  const std::string text =
      R"({"_scroll_id":"c2Nyb2xs","took":5,"timed_out":true,"terminated_early":true,"num_reduce_phases":2,)"
      R"("_shards":{"total":2,"successful":1,"skipped":0,"failed":1,"failures":[{"shard":1,"reason":{"type":"x"}}]},)"
      R"("hits":{"total":12,"max_score":2.5,"hits":[{"_index":"i","_id":"a","_score":2.5,"_source":{}},)"
      R"({"_index":"i","_id":"b","_score":1.0,"_source":{"k":[1,{"n":null}]},"fields":{"rr_vector_1a2b3c4d":["AAAA"]}}]},)"
      R"("suggest":{"s":[{"text":"halo","offset":0,"length":4,"options":[]}]},"profile":{"shards":[]}})";
  auto parsed = rr::connectors::parseSearchResponse(text);
  REQUIRE(parsed);
  const std::vector<RankedHit> order = {{1, 0.75}, {0, 0.5}};
  const std::string out = writeSearchResponse({.window = &*parsed,
                                               .order = order,
                                               .from = 0,
                                               .size = 10,
                                               .extra_took_ms = 3,
                                               .strip_fields = kVectorFields});
  CHECK(
      out ==
      R"({"_scroll_id":"c2Nyb2xs","took":8,"timed_out":true,"terminated_early":true,"num_reduce_phases":2,)"
      R"("_shards":{"total":2,"successful":1,"skipped":0,"failed":1,"failures":[{"shard":1,"reason":{"type":"x"}}]},)"
      R"("hits":{"total":12,"max_score":0.75,"hits":[{"_index":"i","_id":"b","_score":0.75,"_source":{"k":[1,{"n":null}]}},)"
      R"({"_index":"i","_id":"a","_score":0.5,"_source":{}}]},)"
      R"("suggest":{"s":[{"text":"halo","offset":0,"length":4,"options":[]}]},"profile":{"shards":[]}})");
}

TEST_CASE("every writer output parses as JSON for every page of every recorded window",
          "[rerank][response]") {
  for (std::string_view name : {"window_halo.json", "window_pretty_total_int.json",
                                "window_empty.json", "client_page_from2_size3.json"}) {
    const auto w = window(name);
    const std::vector<RankedHit> order = reversedOrder(w);
    std::vector<HitExplain> explain(order.size(), HitExplain{{{"f", 1.0f}}, {{"c", -0.5f}}});
    for (int from = 0; from <= 11; ++from) {
      for (int size : {0, 1, 3, 10}) {
        INFO(name << " from " << from << " size " << size);
        parseJson(writeSearchResponse({.window = &w,
                                       .order = order,
                                       .from = from,
                                       .size = size,
                                       .strip_fields = kVectorFields,
                                       .explain = explain}));
        parseJson(writeEngineOrderPage(
            {.window = &w, .from = from, .size = size, .strip_fields = kVectorFields}));
      }
    }
  }
}
