// parseEngineInfo: which engine answered GET /, which version, and whether
// it has the point-in-time search the scanner relies on.
#include <catch2/catch.hpp>

#include <string>

#include "connectors/engine_client.h"
#include "tests/unit/connector_fixtures.h"

using namespace rr::connectors;
using rr::unit::readFixture;
using Distribution = EngineInfo::Distribution;

namespace {

EngineInfo parsedOk(std::string body) {
  auto r = parseEngineInfo(std::move(body));
  if (!r) FAIL("parseEngineInfo failed: " << r.error().message);
  return *r;
}

std::string openSearchInfo(const std::string& version) {
  return R"({"name":"n","cluster_name":"c","version":{"distribution":"opensearch","number":")" +
         version + R"(","build_type":"tar"},"tagline":"The OpenSearch Project: https://opensearch.org/"})";
}

}  // namespace

TEST_CASE("OpenSearch 3.6.0 is recognised and supports point-in-time search",
          "[unit][engine_info]") {
  const EngineInfo info = parsedOk(readFixture("info_opensearch.json"));
  CHECK(info.distribution == Distribution::kOpenSearch);
  CHECK(info.version == "3.6.0");
  CHECK(info.major == 3);
  CHECK(info.minor == 6);
  CHECK(info.patch == 0);
  CHECK(info.cluster_name == "trial");
  CHECK(info.supportsPit());
  CHECK(info.describe() == "OpenSearch 3.6.0");
}

TEST_CASE("Elasticsearch 7.10.2 OSS is recognised and has no point-in-time search",
          "[unit][engine_info]") {
  const EngineInfo info = parsedOk(readFixture("info_elasticsearch.json"));
  CHECK(info.distribution == Distribution::kElasticsearch);
  CHECK(info.version == "7.10.2");
  CHECK(info.major == 7);
  CHECK(info.minor == 10);
  CHECK(info.patch == 2);
  CHECK(info.cluster_name == "elasticsearch");
  CHECK_FALSE(info.supportsPit());
  CHECK(info.describe() == "Elasticsearch 7.10.2");
}

TEST_CASE("OpenSearch 2.19.1 has no _shard_doc, so point-in-time paging is off",
          "[unit][engine_info]") {
  const EngineInfo info = parsedOk(openSearchInfo("2.19.1"));
  CHECK(info.distribution == Distribution::kOpenSearch);
  CHECK(info.major == 2);
  CHECK(info.minor == 19);
  CHECK(info.patch == 1);
  CHECK_FALSE(info.supportsPit());
}

TEST_CASE("point-in-time support starts exactly at OpenSearch 3.3",
          "[unit][engine_info]") {
  CHECK_FALSE(parsedOk(openSearchInfo("3.2.9")).supportsPit());
  CHECK(parsedOk(openSearchInfo("3.3.0")).supportsPit());
  CHECK(parsedOk(openSearchInfo("4.0.0")).supportsPit());
  CHECK_FALSE(parsedOk(openSearchInfo("1.3.20")).supportsPit());
}

TEST_CASE("a version with a qualifier keeps its numbers", "[unit][engine_info]") {
  const EngineInfo info = parsedOk(openSearchInfo("3.4.1-SNAPSHOT"));
  CHECK(info.version == "3.4.1-SNAPSHOT");
  CHECK(info.major == 3);
  CHECK(info.minor == 4);
  CHECK(info.patch == 1);
  CHECK(info.supportsPit());
}

TEST_CASE("a body without version.number is a bad response naming it",
          "[unit][engine_info]") {
  for (const char* body :
       {R"({"name":"n","cluster_name":"c","tagline":"x"})",
        R"({"name":"n","version":{"distribution":"opensearch"}})"}) {
    INFO(body);
    auto r = parseEngineInfo(body);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::kBadResponse);
    CHECK_THAT(r.error().message, Catch::Contains("version.number"));
  }
}

TEST_CASE("a version of the wrong type or a body that is not JSON is a bad response",
          "[unit][engine_info]") {
  for (const std::string& body :
       {std::string(R"({"version":"3.6.0"})"),
        std::string(R"({"version":{"number":3.6}})"),
        std::string(R"({"cluster_name":5,"version":{"number":"3.6.0"}})"),
        readFixture("bad_gateway.html"), std::string(""),
        readFixture("info_opensearch.json").substr(0, 200)}) {
    INFO(body);
    auto r = parseEngineInfo(body);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::kBadResponse);
  }
}

// Regression: content after the info object used to be ignored.
TEST_CASE("content after the info object is a bad response",
          "[unit][engine_info]") {
  auto r = parseEngineInfo(readFixture("info_opensearch.json") +
                           R"({"version":{"number":"1.0.0"}})");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::kBadResponse);
}
