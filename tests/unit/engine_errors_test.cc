// EngineClient over a scripted Transport: the requests it builds, and how it
// maps the engine's answers (error bodies, proxy pages, overload statuses)
// and transport failures to Error.
#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "connectors/engine_client.h"
#include "tests/unit/connector_fixtures.h"
#include "tests/unit/fake_transport.h"

using namespace rr::connectors;
using rr::unit::FakeTransport;
using rr::unit::headerValues;
using rr::unit::readFixture;

namespace {

struct Harness {
  std::shared_ptr<FakeTransport> transport = std::make_shared<FakeTransport>();
  EngineClient client;

  explicit Harness(ClientOptions options = defaultOptions())
      : client(std::move(options), transport) {}

  static ClientOptions defaultOptions() {
    ClientOptions o;
    o.url = "http://engine.test:9200";
    o.request_timeout = std::chrono::milliseconds(5000);
    return o;
  }

  const HttpRequest& onlyRequest() const {
    REQUIRE(transport->requests.size() == 1);
    return transport->requests.front();
  }
};

const std::string kEmptySearch =
    R"({"took":1,"timed_out":false,"hits":{"total":{"value":0,"relation":"eq"},"max_score":null,"hits":[]}})";

}  // namespace

TEST_CASE("a 404 with index_not_found is an engine error carrying status, type, reason and body",
          "[unit][engine_errors]") {
  Harness h;
  const std::string body = readFixture("error_index_not_found.json");
  h.transport->reply(404, body);
  auto r = h.client.search("nosuchindex", R"({"query":{"match_all":{}}})");
  REQUIRE_FALSE(r);
  const Error& e = r.error();
  CHECK(e.code == ErrorCode::kEngineError);
  CHECK(e.http_status == 404);
  CHECK(e.engine_type == "index_not_found_exception");
  CHECK(e.engine_reason == "no such index [nosuchindex]");
  CHECK(e.raw_body == body);
  CHECK(e.cause == TransportCause::kNone);
  CHECK_THAT(e.message, Catch::Contains("404"));
  CHECK_THAT(e.message, Catch::Contains("index_not_found_exception"));
}

TEST_CASE("a 400 parsing error is an engine error of type parsing_exception",
          "[unit][engine_errors]") {
  Harness h;
  const std::string body = readFixture("error_parsing.json");
  h.transport->reply(400, body);
  auto r = h.client.search("fx", R"({"query":{"nonsense":{}}})");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::kEngineError);
  CHECK(r.error().http_status == 400);
  CHECK(r.error().engine_type == "parsing_exception");
  CHECK(r.error().engine_reason == "unknown query [nonsense]");
  CHECK(r.error().raw_body == body);
}

TEST_CASE("a 502 HTML page from a proxy is unavailable and says it is not an engine error",
          "[unit][engine_errors]") {
  Harness h;
  const std::string body = readFixture("bad_gateway.html");
  h.transport->reply(502, body, {{"Content-Type", "text/html"}});
  auto r = h.client.search("fx", "{}");
  REQUIRE_FALSE(r);
  const Error& e = r.error();
  CHECK(e.code == ErrorCode::kUnavailable);
  CHECK(e.http_status == 502);
  CHECK(e.engine_type.empty());
  CHECK(e.engine_reason.empty());
  CHECK(e.raw_body == body);
  CHECK_THAT(e.message, Catch::Contains("502"));
  CHECK_THAT(e.message, Catch::Contains("not an engine error"));
  CHECK_THAT(e.message, Catch::Contains("<title>502 Bad Gateway</title>"));
}

TEST_CASE("the snippet of a non-engine error body is bounded", "[unit][engine_errors]") {
  Harness h;
  const std::string body = "<html>" + std::string(100000, 'x') + "</html>";
  h.transport->reply(502, body);
  auto r = h.client.search("fx", "{}");
  REQUIRE_FALSE(r);
  CHECK_THAT(r.error().message, Catch::Contains("<html>xxx"));
  CHECK(r.error().message.size() < 1000);
  CHECK(r.error().raw_body == body);
}

TEST_CASE("a 429 is unavailable, keeping the engine's rejection type",
          "[unit][engine_errors]") {
  Harness h;
  h.transport->reply(
      429,
      R"({"error":{"type":"rejected_execution_exception","reason":"queue full"},"status":429})");
  auto r = h.client.search("fx", "{}");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::kUnavailable);
  CHECK(r.error().http_status == 429);
  CHECK(r.error().engine_type == "rejected_execution_exception");
  CHECK(r.error().engine_reason == "queue full");
}

TEST_CASE("a 503 is unavailable", "[unit][engine_errors]") {
  Harness h;
  h.transport->reply(
      503, R"({"error":{"type":"cluster_block_exception","reason":"blocked"},"status":503})");
  auto r = h.client.search("fx", "{}");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::kUnavailable);
  CHECK(r.error().http_status == 503);
  CHECK(r.error().engine_type == "cluster_block_exception");
}

TEST_CASE("a 504 from a gateway is deadline exceeded", "[unit][engine_errors]") {
  Harness h;
  h.transport->reply(504, "<html>504 Gateway Time-out</html>");
  auto r = h.client.search("fx", "{}");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::kDeadlineExceeded);
  CHECK(r.error().http_status == 504);
}

TEST_CASE("a 500 with an empty body is an engine error naming the status",
          "[unit][engine_errors]") {
  Harness h;
  h.transport->reply(500, "");
  auto r = h.client.search("fx", "{}");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::kEngineError);
  CHECK(r.error().http_status == 500);
  CHECK_THAT(r.error().message, Catch::Contains("500"));
}

TEST_CASE("an old engine's string error is kept as the reason", "[unit][engine_errors]") {
  Harness h;
  h.transport->reply(400, R"({"error":"IndexMissingException[[x] missing]","status":400})");
  auto r = h.client.search("x", "{}");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::kEngineError);
  CHECK(r.error().engine_reason == "IndexMissingException[[x] missing]");
  CHECK(r.error().engine_type.empty());
}

TEST_CASE("a transport error passes through unchanged", "[unit][engine_errors]") {
  Harness h;
  Error refused;
  refused.code = ErrorCode::kUnavailable;
  refused.cause = TransportCause::kConnectionRefused;
  refused.message = "connection refused by http://engine.test:9200/fx/_search: nope";
  h.transport->fail(refused);
  auto r = h.client.search("fx", "{}");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::kUnavailable);
  CHECK(r.error().cause == TransportCause::kConnectionRefused);
  CHECK(r.error().message == refused.message);
  CHECK(r.error().http_status == 0);
  CHECK(r.error().raw_body.empty());

  Error timeout;
  timeout.code = ErrorCode::kDeadlineExceeded;
  timeout.cause = TransportCause::kTimeout;
  timeout.message = "deadline exceeded";
  h.transport->fail(timeout);
  auto b = h.client.msearch("{}\n{}\n");
  REQUIRE_FALSE(b);
  CHECK(b.error().code == ErrorCode::kDeadlineExceeded);
  CHECK(b.error().cause == TransportCause::kTimeout);
  CHECK(b.error().message == "deadline exceeded");
}

TEST_CASE("a 200 with a body that is not a search response is a bad response",
          "[unit][engine_errors]") {
  Harness h;
  h.transport->reply(200, "<html>oops</html>");
  auto r = h.client.search("fx", "{}");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::kBadResponse);
}

TEST_CASE("search sends POST /<index>/_search with a JSON content type and the exact body",
          "[unit][engine_errors]") {
  Harness h;
  h.transport->reply(200, readFixture("search_halo.json"));
  const std::string body = R"({"query":{"match":{"title":"halo"}},"size":3})";
  auto r = h.client.search("fx", body);
  REQUIRE(r);
  CHECK(r->hits.size() == 3);
  const HttpRequest& req = h.onlyRequest();
  CHECK(req.method == "POST");
  CHECK(req.path == "/fx/_search");
  CHECK(req.query.empty());
  CHECK(req.body == body);
  CHECK(headerValues(req, "Content-Type") == std::vector<std::string>{"application/json"});
}

TEST_CASE("search passes its query string through", "[unit][engine_errors]") {
  Harness h;
  h.transport->reply(200, kEmptySearch);
  REQUIRE(h.client.search("fx", "{}", "scroll=1m&rest_total_hits_as_int=true"));
  CHECK(h.onlyRequest().query == "scroll=1m&rest_total_hits_as_int=true");
}

TEST_CASE("index names in the search path are percent-encoded, keeping commas and stars",
          "[unit][engine_errors]") {
  struct Case {
    const char* index;
    const char* path;
  };
  const Case cases[] = {
      {"a b", "/a%20b/_search"},
      {"logs-*,other", "/logs-*,other/_search"},
      {"a/b", "/a%2Fb/_search"},
      {"x?y#z", "/x%3Fy%23z/_search"},
      {"", "/_search"},
  };
  for (const Case& c : cases) {
    INFO("index '" << c.index << "'");
    Harness h;
    h.transport->reply(200, kEmptySearch);
    REQUIRE(h.client.search(c.index, "{}"));
    CHECK(h.onlyRequest().path == c.path);
  }
}

TEST_CASE("bulk sends NDJSON to /_bulk with refresh=wait_for when asked",
          "[unit][engine_errors]") {
  Harness h;
  std::vector<BulkOp> ops;
  for (int i = 0; i < 6; ++i) {
    ops.push_back({.action = BulkOp::Action::kIndex, .index = "fx",
                   .id = "sku-" + std::to_string(i), .body = R"({"n":1})"});
  }
  h.transport->reply(200, readFixture("bulk_with_item_errors.json"));
  auto r = h.client.bulk(ops, "wait_for");
  REQUIRE(r);
  CHECK(r->items.size() == 6);
  CHECK(r->failed() == 2);
  const HttpRequest& req = h.onlyRequest();
  CHECK(req.method == "POST");
  CHECK(req.path == "/_bulk");
  CHECK(req.query == "refresh=wait_for");
  auto expected_body = buildBulkBody(ops);
  REQUIRE(expected_body);
  CHECK(req.body == *expected_body);
  CHECK(headerValues(req, "Content-Type") ==
        std::vector<std::string>{"application/x-ndjson"});
}

TEST_CASE("bulk without refresh sends no query", "[unit][engine_errors]") {
  Harness h;
  h.transport->reply(
      200, R"({"took":1,"errors":false,"items":[{"delete":{"_index":"fx","_id":"a","status":200}}]})");
  const std::vector<BulkOp> ops = {
      {.action = BulkOp::Action::kDelete, .index = "fx", .id = "a"}};
  auto r = h.client.bulk(ops);
  REQUIRE(r);
  CHECK(r->allOk());
  CHECK(h.onlyRequest().query.empty());
}

TEST_CASE("bulk with an invalid op fails before sending anything", "[unit][engine_errors]") {
  Harness h;
  const std::vector<BulkOp> ops = {
      {.action = BulkOp::Action::kIndex, .index = "", .id = "a", .body = "{}"}};
  auto r = h.client.bulk(ops);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::kInvalidArgument);
  CHECK(h.transport->requests.empty());
}

TEST_CASE("bulk with no ops succeeds without a round trip", "[unit][engine_errors]") {
  Harness h;
  auto r = h.client.bulk({});
  REQUIRE(r);
  CHECK(r->items.empty());
  CHECK(h.transport->requests.empty());
}

TEST_CASE("a bulk answered with an engine error is that engine error",
          "[unit][engine_errors]") {
  Harness h;
  h.transport->reply(400, readFixture("error_parsing.json"));
  const std::vector<BulkOp> ops = {
      {.action = BulkOp::Action::kDelete, .index = "fx", .id = "a"}};
  auto r = h.client.bulk(ops);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::kEngineError);
  CHECK(r.error().engine_type == "parsing_exception");
}

TEST_CASE("msearch appends the final newline and sends NDJSON to /_msearch",
          "[unit][engine_errors]") {
  Harness h;
  h.transport->reply(200, readFixture("msearch_mixed.json"));
  const std::string ndjson =
      "{\"index\":\"fx\"}\n{\"query\":{\"match_all\":{}}}\n"
      "{\"index\":\"nosuchindex\"}\n{\"query\":{\"match_all\":{}}}";
  auto r = h.client.msearch(ndjson);
  REQUIRE(r);
  CHECK(r->responses.size() == 2);
  const HttpRequest& req = h.onlyRequest();
  CHECK(req.method == "POST");
  CHECK(req.path == "/_msearch");
  CHECK(req.body == ndjson + "\n");
  CHECK(headerValues(req, "Content-Type") ==
        std::vector<std::string>{"application/x-ndjson"});
}

TEST_CASE("msearch does not double a final newline that is already there",
          "[unit][engine_errors]") {
  Harness h;
  h.transport->reply(200, R"({"took":1,"responses":[]})");
  REQUIRE(h.client.msearch("{}\n{}\n"));
  CHECK(h.onlyRequest().body == "{}\n{}\n");
}

TEST_CASE("create rejects URLs that are not http(s)://host[:port]",
          "[unit][engine_errors]") {
  for (const char* url : {"localhost:9200", "ftp://x", "http://", "https://", "",
                          "http://host:9200/prefix", "http://ho st:9200"}) {
    INFO("url '" << url << "'");
    ClientOptions options;
    options.url = url;
    auto r = EngineClient::create(options);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::kInvalidArgument);
    CHECK_THAT(r.error().message, Catch::Contains(std::string("'") + url + "'"));
  }
}

TEST_CASE("create accepts http and https URLs with a host and an optional port",
          "[unit][engine_errors]") {
  for (const char* url : {"http://127.0.0.1:9200", "https://search.example.com",
                          "http://localhost:9200/"}) {
    INFO("url '" << url << "'");
    ClientOptions options;
    options.url = url;
    auto r = EngineClient::create(options);
    REQUIRE(r);
    REQUIRE(*r != nullptr);
    CHECK((*r)->options().url == url);
  }
}

TEST_CASE("without a deadline the request gets now plus request_timeout",
          "[unit][engine_errors]") {
  Harness h;
  h.transport->reply(200, kEmptySearch);
  const auto before = Clock::now();
  REQUIRE(h.client.search("fx", "{}"));
  const auto after = Clock::now();
  REQUIRE(h.transport->deadlines.size() == 1);
  CHECK(h.transport->deadlines[0] >= before + std::chrono::milliseconds(5000));
  CHECK(h.transport->deadlines[0] <= after + std::chrono::milliseconds(5000));

  const Deadline explicit_deadline = Clock::now() + std::chrono::milliseconds(123);
  h.transport->reply(200, kEmptySearch);
  REQUIRE(h.client.search("fx", "{}", {}, explicit_deadline));
  REQUIRE(h.transport->deadlines.size() == 2);
  CHECK(h.transport->deadlines[1] == explicit_deadline);
}

TEST_CASE("deleting a missing index succeeds only when missing is ignored",
          "[unit][engine_errors]") {
  Harness h;
  const std::string body = readFixture("error_index_not_found.json");
  h.transport->reply(404, body);
  CHECK(h.client.deleteIndex("nosuchindex"));
  h.transport->reply(404, body);
  auto strict = h.client.deleteIndex("nosuchindex", false);
  REQUIRE_FALSE(strict);
  CHECK(strict.error().code == ErrorCode::kEngineError);
  CHECK(strict.error().http_status == 404);
  REQUIRE(h.transport->requests.size() == 2);
  CHECK(h.transport->requests[0].method == "DELETE");
  CHECK_THAT(h.transport->requests[0].path, Catch::Matches("/nosuchindex/?"));
}

TEST_CASE("indexExists sends HEAD and maps 200 and 404 to true and false",
          "[unit][engine_errors]") {
  Harness h;
  h.transport->reply(200, "");
  h.transport->reply(404, "");
  h.transport->reply(503, "");
  auto yes = h.client.indexExists("fx");
  auto no = h.client.indexExists("fx");
  auto down = h.client.indexExists("fx");
  REQUIRE(yes);
  CHECK(*yes);
  REQUIRE(no);
  CHECK_FALSE(*no);
  REQUIRE_FALSE(down);
  CHECK(down.error().code == ErrorCode::kUnavailable);
  CHECK(h.transport->requests[0].method == "HEAD");
}

TEST_CASE("raw returns non-2xx answers as responses and rejects relative paths",
          "[unit][engine_errors]") {
  Harness h;
  const std::string body = readFixture("error_index_not_found.json");
  h.transport->reply(404, body);
  HttpRequest req;
  req.path = "/nosuchindex/_doc/1";
  auto r = h.client.raw(req);
  REQUIRE(r);
  CHECK(r->status == 404);
  CHECK(r->body == body);
  CHECK(r->header("content-type") == "application/json");

  req.path = "nosuchindex";
  auto bad = h.client.raw(req);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == ErrorCode::kInvalidArgument);
  CHECK(h.transport->requests.size() == 1);
}

TEST_CASE("info is parsed from GET / and cached after the first success",
          "[unit][engine_errors]") {
  Harness h;
  h.transport->reply(200, readFixture("info_opensearch.json"));
  auto first = h.client.info();
  REQUIRE(first);
  CHECK(first->version == "3.6.0");
  auto second = h.client.info();
  REQUIRE(second);
  CHECK(second->version == "3.6.0");
  const HttpRequest& req = h.onlyRequest();
  CHECK(req.method == "GET");
  CHECK(req.path == "/");
}

TEST_CASE("a failed info call is not cached", "[unit][engine_errors]") {
  Harness h;
  Error refused;
  refused.code = ErrorCode::kUnavailable;
  refused.cause = TransportCause::kConnectionRefused;
  h.transport->fail(refused);
  h.transport->reply(200, readFixture("info_elasticsearch.json"));
  CHECK_FALSE(h.client.info());
  auto second = h.client.info();
  REQUIRE(second);
  CHECK(second->version == "7.10.2");
  CHECK(h.transport->requests.size() == 2);
}

TEST_CASE("error codes and causes have stable short names", "[unit][engine_errors]") {
  CHECK(toString(ErrorCode::kInvalidArgument) == "invalid_argument");
  CHECK(toString(ErrorCode::kDeadlineExceeded) == "deadline_exceeded");
  CHECK(toString(ErrorCode::kUnavailable) == "unavailable");
  CHECK(toString(ErrorCode::kBadResponse) == "bad_response");
  CHECK(toString(ErrorCode::kEngineError) == "engine_error");
  CHECK(toString(ErrorCode::kInternal) == "internal");
  CHECK(toString(TransportCause::kConnectionRefused) == "connection_refused");
  CHECK(toString(TransportCause::kTimeout) == "timeout");
  CHECK(toString(TransportCause::kNone) == "none");
}

// Regression: these used to pass create and fail per request (or build a
// wrong URL: "http://h?x=1" + "/_search").
TEST_CASE("create rejects URLs with an empty host, a non-numeric port, a query or a fragment",
          "[unit][engine_errors]") {
  for (const char* url : {"http://:9200", "http://host:abc", "http://host?x=1",
                          "http://host#frag"}) {
    INFO("url '" << url << "'");
    ClientOptions options;
    options.url = url;
    auto r = EngineClient::create(options);
    CHECK_FALSE(r);
  }
}
