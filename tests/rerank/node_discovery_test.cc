// rerank/node_discovery.h: the cluster's nodes read from `GET /_nodes/http`,
// and those of them the config does not already name.
#include "rerank/node_discovery.h"

#include <boost/asio.hpp>
#include <catch2/catch.hpp>

#include <string>
#include <vector>

using rr::rerank::notConfigured;
using rr::rerank::parseNodesHttp;
using rr::rerank::withDiscovered;
using Urls = std::vector<std::string>;

TEST_CASE("the nodes' publish addresses become URLs, and dedicated cluster managers are left out",
          "[unit][node_discovery]") {
  // As OpenSearch answers with filter_path (three data nodes, one of them
  // publishing a host name, an IPv6 one, a coordinating-only one with no
  // roles, and two dedicated managers, old and new names).
  const std::string body = R"({"nodes":{
    "a":{"roles":["cluster_manager","data","ingest"],"http":{"publish_address":"10.0.0.1:9200"}},
    "b":{"roles":["data"],"http":{"publish_address":"es-2.shop.internal/10.0.0.2:9200"}},
    "c":{"roles":["data_hot"],"http":{"publish_address":"[2001:db8::3]:9200"}},
    "d":{"roles":[],"http":{"publish_address":"10.0.0.4:9201"}},
    "m":{"roles":["cluster_manager"],"http":{"publish_address":"10.0.0.9:9200"}},
    "o":{"roles":["master","remote_cluster_client"],"http":{"publish_address":"10.0.0.8:9200"}}}})";
  const auto urls = parseNodesHttp(body, "https");
  REQUIRE(urls);
  CHECK(*urls == Urls{"https://10.0.0.1:9200", "https://10.0.0.4:9201", "https://[2001:db8::3]:9200",
                      "https://es-2.shop.internal:9200"});
  // A host name published with an IPv6 address keeps the name.
  const auto named = parseNodesHttp(
      R"({"nodes":{"x":{"roles":["data"],"http":{"publish_address":"node-x/[::1]:9250"}}}})", "http");
  REQUIRE(named);
  CHECK(*named == Urls{"http://node-x:9250"});
}

TEST_CASE("an answer without nodes or with an address it cannot read is an error naming it",
          "[unit][node_discovery]") {
  CHECK(parseNodesHttp("not json", "http").error() == "the answer is not a JSON object");
  CHECK(parseNodesHttp(R"({"error":"forbidden"})", "http").error() ==
        "the answer has no \"nodes\" object");
  CHECK(parseNodesHttp(R"({"nodes":{"a":{"roles":["data"]}}})", "http").error() ==
        "node a has no http.publish_address");
  CHECK(parseNodesHttp(R"({"nodes":{"a":{"http":{"publish_address":"10.0.0.1"}}}})", "http")
            .error() == "node a: cannot read the publish address '10.0.0.1'");
  CHECK(parseNodesHttp(R"({"nodes":{"a":{"http":{"publish_address":"10.0.0.1:92x0"}}}})", "http")
            .error() == "node a: cannot read the publish address '10.0.0.1:92x0'");
  // No nodes at all is an empty list (the caller keeps what it knew).
  CHECK(parseNodesHttp(R"({"nodes":{}})", "http").value().empty());
}

TEST_CASE("the configured nodes come first, then each node found that they do not list",
          "[unit][node_discovery]") {
  CHECK(withDiscovered({"http://lb:9200", "http://10.0.0.1:9200"},
                       {"http://10.0.0.1:9200", "http://10.0.0.2:9200"}) ==
        Urls{"http://lb:9200", "http://10.0.0.1:9200", "http://10.0.0.2:9200"});
  CHECK(withDiscovered({"http://lb:9200"}, {}) == Urls{"http://lb:9200"});
}

TEST_CASE("a listed node the config names by another name for the same address is left out",
          "[unit][node_discovery]") {
  // localhost resolves to 127.0.0.1 (and ::1) from /etc/hosts, no DNS.
  const auto run = [](Urls listed, Urls configured) {
    boost::asio::io_context io;
    auto result = boost::asio::co_spawn(
        io, notConfigured(std::move(listed), std::move(configured), std::chrono::seconds(2)),
        boost::asio::use_future);
    io.run();
    return result.get();
  };
  const Urls listed = {"http://10.0.0.2:9200", "http://127.0.0.1:9200"};
  CHECK(run(listed, {"http://localhost:9200"}) == Urls{"http://10.0.0.2:9200"});
  // The same address on another port is another node; so is an exact
  // match kept (withDiscovered does not add it twice).
  CHECK(run(listed, {"http://localhost:9201"}) == listed);
  CHECK(run(listed, {"http://127.0.0.1:9200"}) == listed);
  // A name that does not resolve counts as a node of its own.
  CHECK(run({"http://no-such-host.invalid:9200"}, {"http://localhost:9200"}) ==
        Urls{"http://no-such-host.invalid:9200"});
}
