// `_bulk`: the NDJSON request body built from ops, and the per-item outcome
// read back from the engine's response.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "connectors/bulk.h"
#include "tests/unit/connector_fixtures.h"

using namespace rr::connectors;
using rr::unit::readFixture;
using Action = BulkOp::Action;

namespace {

std::string built(const std::vector<BulkOp>& ops) {
  auto r = buildBulkBody(ops);
  if (!r) FAIL("buildBulkBody failed: " << r.error().message);
  return *r;
}

Error buildErr(const std::vector<BulkOp>& ops) {
  auto r = buildBulkBody(ops);
  REQUIRE_FALSE(r);
  return r.error();
}

// The message names op `n` as a number of its own (not part of another one).
auto namesOp(int n) {
  return Catch::Matches("(.*[^0-9])?" + std::to_string(n) + "([^0-9].*)?");
}

BulkOp indexOp(std::string id, std::string body) {
  return BulkOp{.action = Action::kIndex, .index = "fx", .id = std::move(id),
                .body = std::move(body)};
}

}  // namespace

TEST_CASE("an index op is an action line and a document line",
          "[unit][bulk]") {
  CHECK(built({indexOp("sku-1", R"({"title":"Halo"})")}) ==
        "{\"index\":{\"_index\":\"fx\",\"_id\":\"sku-1\"}}\n"
        "{\"title\":\"Halo\"}\n");
}

TEST_CASE("an index op without an id lets the engine pick one", "[unit][bulk]") {
  CHECK(built({indexOp("", R"({"a":1})")}) ==
        "{\"index\":{\"_index\":\"fx\"}}\n{\"a\":1}\n");
}

TEST_CASE("create, update and delete ops have their own action names and lines",
          "[unit][bulk]") {
  const std::vector<BulkOp> ops = {
      {.action = Action::kCreate, .index = "fx", .id = "c1", .body = R"({"a":1})"},
      {.action = Action::kUpdate, .index = "fx", .id = "u1",
       .body = R"({"doc":{"price":1.5}})"},
      {.action = Action::kDelete, .index = "other", .id = "d1"},
      indexOp("i1", R"({"b":2})"),
  };
  CHECK(built(ops) ==
        "{\"create\":{\"_index\":\"fx\",\"_id\":\"c1\"}}\n"
        "{\"a\":1}\n"
        "{\"update\":{\"_index\":\"fx\",\"_id\":\"u1\"}}\n"
        "{\"doc\":{\"price\":1.5}}\n"
        "{\"delete\":{\"_index\":\"other\",\"_id\":\"d1\"}}\n"
        "{\"index\":{\"_index\":\"fx\",\"_id\":\"i1\"}}\n"
        "{\"b\":2}\n");
}

TEST_CASE("a delete op never writes a body line, even when one is set",
          "[unit][bulk]") {
  const std::vector<BulkOp> ops = {
      {.action = Action::kDelete, .index = "fx", .id = "d1", .body = R"({"x":1})"}};
  CHECK(built(ops) == "{\"delete\":{\"_index\":\"fx\",\"_id\":\"d1\"}}\n");
}

TEST_CASE("ids and index names with quotes and backslashes are escaped",
          "[unit][bulk]") {
  const std::vector<BulkOp> ops = {
      {.action = Action::kIndex, .index = "we\"ird", .id = R"(id "quoted" \ slash)",
       .body = "{}"}};
  CHECK(built(ops) ==
        R"({"index":{"_index":"we\"ird","_id":"id \"quoted\" \\ slash"}})"
        "\n{}\n");
}

TEST_CASE("if_seq_no and if_primary_term are emitted on the action line",
          "[unit][bulk]") {
  BulkOp both = indexOp("a", R"({"v":2})");
  both.if_seq_no = 7;
  both.if_primary_term = 2;
  CHECK(built({both}) ==
        "{\"index\":{\"_index\":\"fx\",\"_id\":\"a\",\"if_seq_no\":7,"
        "\"if_primary_term\":2}}\n{\"v\":2}\n");

  BulkOp del{.action = Action::kDelete, .index = "fx", .id = "b"};
  del.if_seq_no = 0;  // zero is a real sequence number, not "unset"
  del.if_primary_term = 1;
  CHECK(built({del}) ==
        "{\"delete\":{\"_index\":\"fx\",\"_id\":\"b\",\"if_seq_no\":0,"
        "\"if_primary_term\":1}}\n");
}

TEST_CASE("no ops build an empty body", "[unit][bulk]") {
  CHECK(built({}).empty());
}

TEST_CASE("an op with an empty index is an invalid argument naming its position",
          "[unit][bulk]") {
  std::vector<BulkOp> ops = {indexOp("a", "{}"), indexOp("b", "{}"),
                             indexOp("c", "{}")};
  ops[2].index.clear();
  const Error e = buildErr(ops);
  CHECK(e.code == ErrorCode::kInvalidArgument);
  CHECK_THAT(e.message, namesOp(2));
  CHECK_THAT(e.message, Catch::Contains("index"));
}

TEST_CASE("an index, create or update op without a body is an invalid argument naming its position",
          "[unit][bulk]") {
  for (Action action : {Action::kIndex, Action::kCreate, Action::kUpdate}) {
    std::vector<BulkOp> ops = {indexOp("a", "{}"),
                               {.action = action, .index = "fx", .id = "x"}};
    const Error e = buildErr(ops);
    CHECK(e.code == ErrorCode::kInvalidArgument);
    CHECK_THAT(e.message, namesOp(1));
  }
}

TEST_CASE("a body with a newline inside is an invalid argument naming its position",
          "[unit][bulk]") {
  const std::vector<BulkOp> ops = {indexOp("a", "{}"), indexOp("b", "{}"),
                                   indexOp("c", "{}"),
                                   indexOp("d", "{\"a\":\n1}")};
  const Error e = buildErr(ops);
  CHECK(e.code == ErrorCode::kInvalidArgument);
  CHECK_THAT(e.message, namesOp(3));
  CHECK_THAT(e.message, Catch::Contains("newline"));
}

TEST_CASE("create, update and delete ops without an id are invalid arguments",
          "[unit][bulk]") {
  for (Action action : {Action::kCreate, Action::kUpdate, Action::kDelete}) {
    const std::vector<BulkOp> ops = {
        {.action = action, .index = "fx", .id = "", .body = R"({"doc":{}})"}};
    const Error e = buildErr(ops);
    CHECK(e.code == ErrorCode::kInvalidArgument);
    CHECK_THAT(e.message, namesOp(0));
  }
}

TEST_CASE("a bulk response with item errors reports exactly the failed items",
          "[unit][bulk]") {
  auto r = parseBulkResponse(readFixture("bulk_with_item_errors.json"), 6);
  REQUIRE(r);
  const BulkResult& result = *r;
  CHECK(result.took == 196);
  REQUIRE(result.items.size() == 6);
  CHECK(result.failed() == 2);
  CHECK_FALSE(result.allOk());

  const int statuses[] = {201, 201, 201, 400, 201, 404};
  const char* ids[] = {"sku-1", "sku-2", R"(id "quoted" \ slash)", "sku-4", "sku-5",
                       "missing-9"};
  for (std::size_t i = 0; i < 6; ++i) {
    INFO("item " << i);
    const BulkItemResult& item = result.items[i];
    CHECK(item.id == ids[i]);
    CHECK(item.status == statuses[i]);
    const bool should_fail = i == 3 || i == 5;
    CHECK(item.ok == !should_fail);
    if (!should_fail) {
      CHECK(item.error_type.empty());
      CHECK(item.error_reason.empty());
    }
  }
  CHECK(result.items[3].error_type == "mapper_parsing_exception");
  CHECK_THAT(result.items[3].error_reason,
             Catch::StartsWith("failed to parse field [price] of type [float]"));
  CHECK(result.items[5].error_type == "document_missing_exception");
  CHECK(result.items[5].error_reason == "[missing-9]: document missing");
}

TEST_CASE("a bulk response where every item worked is all ok", "[unit][bulk]") {
  auto r = parseBulkResponse(
      R"({"took":3,"errors":false,"items":[)"
      R"({"index":{"_index":"fx","_id":"a","result":"created","status":201}},)"
      R"({"delete":{"_index":"fx","_id":"b","result":"deleted","status":200}}]})",
      2);
  REQUIRE(r);
  CHECK(r->took == 3);
  REQUIRE(r->items.size() == 2);
  CHECK(r->failed() == 0);
  CHECK(r->allOk());
  CHECK(r->items[0].id == "a");
  CHECK(r->items[1].status == 200);
}

TEST_CASE("a delete of a missing document (404 without an error) counts as failed",
          "[unit][bulk]") {
  auto r = parseBulkResponse(
      R"({"took":1,"errors":false,"items":[{"delete":{"_index":"fx","_id":"gone","result":"not_found","status":404}}]})",
      1);
  REQUIRE(r);
  REQUIRE(r->items.size() == 1);
  CHECK_FALSE(r->items[0].ok);
  CHECK(r->failed() == 1);
}

TEST_CASE("a bulk response with fewer or more items than ops is a bad response",
          "[unit][bulk]") {
  const std::string text = readFixture("bulk_with_item_errors.json");
  for (std::size_t expected : {std::size_t{0}, std::size_t{5}, std::size_t{7}}) {
    INFO("expected " << expected);
    auto r = parseBulkResponse(text, expected);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::kBadResponse);
    CHECK_THAT(r.error().message, Catch::Contains("items"));
  }
}

TEST_CASE("a bulk item without a status is a bad response naming it", "[unit][bulk]") {
  auto r = parseBulkResponse(
      R"({"took":1,"items":[{"index":{"_index":"fx","_id":"a","status":201}},{"index":{"_index":"fx","_id":"b"}}]})",
      2);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::kBadResponse);
  CHECK_THAT(r.error().message, Catch::Contains("items[1]"));
  CHECK_THAT(r.error().message, Catch::Contains("status"));
}

TEST_CASE("malformed bulk responses are bad responses", "[unit][bulk]") {
  const std::string text = readFixture("bulk_with_item_errors.json");
  struct Case {
    std::string body;
    std::size_t items;  // what the request had: only the body is wrong
  };
  const Case cases[] = {
      {text.substr(0, text.size() - 1), 6},
      {text.substr(0, 500), 6},
      {text + "x", 6},
      {readFixture("bad_gateway.html"), 6},
      {"", 0},
      {R"({"took":1,"items":{}})", 0},
      {R"({"took":1,"items":[{}]})", 1},
      {R"({"took":1,"items":[{"index":{"_id":5,"status":201}}]})", 1},
      {R"({"took":1,"items":[{"index":{"_id":"a","status":"201"}}]})", 1},
  };
  for (const Case& c : cases) {
    INFO("body: " << c.body);
    auto r = parseBulkResponse(c.body, c.items);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::kBadResponse);
  }
}
