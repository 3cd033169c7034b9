// AWS Signature Version 4: the signatures of a few requests (plain, with a
// session token and an encoded path and query, the serverless service)
// against those botocore 1.43 (the AWS SDK for Python) computed for the
// same requests, credentials and clock; the canonical forms.
#include <catch2/catch.hpp>
#include <chrono>
#include <string>

#include "connectors/aws_sigv4.h"

using namespace rr::connectors;

namespace {

// 2026-12-07T12:00:00Z.
const auto kNoon = std::chrono::system_clock::time_point(std::chrono::seconds(1796644800));
const AwsCredentials kKeys{"AKIDEXAMPLE0000000000", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};

std::string headerOf(const std::vector<Header>& headers, const std::string& name) {
  for (const auto& h : headers) {
    if (h.name == name) return h.value;
  }
  return "(none)";
}

}  // namespace

TEST_CASE("a search is signed as the AWS SDK signs it", "[unit][sigv4]") {
  const auto h = sigV4Headers({"POST", "/products/_search", "size=5&q=tv",
                               "search-shop.us-east-1.es.amazonaws.com",
                               R"({"query":{"match_all":{}}})"},
                              kKeys, "us-east-1", "es", kNoon);
  CHECK(headerOf(h, "X-Amz-Date") == "20261207T120000Z");
  CHECK(headerOf(h, "X-Amz-Content-Sha256").size() == 64);
  CHECK(headerOf(h, "X-Amz-Security-Token") == "(none)");
  CHECK(headerOf(h, "Authorization") ==
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE0000000000/20261207/us-east-1/es/aws4_request, "
        "SignedHeaders=host;x-amz-content-sha256;x-amz-date, "
        "Signature=ea3c84a773df0bd17a724457931ef2a75ca4467d56648cdf0307b449cbe5ac1e");
}

TEST_CASE("a GET of the root without a body is signed as the AWS SDK signs it", "[unit][sigv4]") {
  const auto h = sigV4Headers({"GET", "/", "", "search-shop.us-east-1.es.amazonaws.com", ""},
                              kKeys, "us-east-1", "es", kNoon);
  CHECK(headerOf(h, "X-Amz-Content-Sha256") ==
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");  // of ""
  CHECK(headerOf(h, "Authorization").ends_with(
      "Signature=0ab0f0e2cb0f23abe79dfb0fee37f0989f1d98daab0f0c5479859795a3a0a1b3"));
}

TEST_CASE("a session token is sent and signed, and encoded paths and queries are signed as AWS "
          "reads them",
          "[unit][sigv4]") {
  AwsCredentials temporary = kKeys;
  temporary.session_token = "FQoGZXIvYXdzEXAMPLE/token+x=";
  const auto h = sigV4Headers({"POST", "/idx-a%2Cidx-b/_search",
                               "filter_path=hits.hits._id&q=a%20b%20c&from=0",
                               "search-shop.eu-west-1.es.amazonaws.com", "{}"},
                              temporary, "eu-west-1", "es", kNoon);
  CHECK(headerOf(h, "X-Amz-Security-Token") == temporary.session_token);
  CHECK(headerOf(h, "Authorization") ==
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE0000000000/20261207/eu-west-1/es/aws4_request, "
        "SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token, "
        "Signature=884c8aa01d846b07dc823bbef690021ac58e0c14671a47fa723da44a047dd085");
}

TEST_CASE("OpenSearch Serverless is signed for the aoss service", "[unit][sigv4]") {
  const auto h = sigV4Headers({"GET", "/idx*/_count", "pretty", "abc.us-east-1.aoss.amazonaws.com", ""},
                              kKeys, "us-east-1", "aoss", kNoon);
  CHECK(headerOf(h, "Authorization") ==
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE0000000000/20261207/us-east-1/aoss/aws4_request, "
        "SignedHeaders=host;x-amz-content-sha256;x-amz-date, "
        "Signature=bcfc63bb441a3420b4ba3613e0070f8168de05c3b0de95801057519a9c5d847b");
}

TEST_CASE("any change to what is signed changes the signature", "[unit][sigv4]") {
  const SigV4Request base{"POST", "/products/_search", "size=5", "h.example", "{}"};
  const auto sig = [&](SigV4Request r, const AwsCredentials& k = kKeys,
                       std::string_view region = "us-east-1") {
    return headerOf(sigV4Headers(r, k, region, "es", kNoon), "Authorization");
  };
  const std::string reference = sig(base);
  SigV4Request r = base;
  r.body = "{ }";
  CHECK(sig(r) != reference);
  r = base;
  r.query = "size=6";
  CHECK(sig(r) != reference);
  r = base;
  r.host = "other.example";
  CHECK(sig(r) != reference);
  r = base;
  r.method = "PUT";
  CHECK(sig(r) != reference);
  AwsCredentials wrong = kKeys;
  wrong.secret_access_key += "x";
  CHECK(sig(base, wrong) != reference);
  CHECK(sig(base, kKeys, "eu-west-1") != reference);
  CHECK(sig(base) == reference);  // and nothing else moves it
}

TEST_CASE("canonical paths and queries", "[unit][sigv4]") {
  CHECK(sigV4CanonicalPath("/") == "/");
  CHECK(sigV4CanonicalPath("") == "/");
  CHECK(sigV4CanonicalPath("/a//b/./c/../d") == "/a/b/d");
  CHECK(sigV4CanonicalPath("/idx-a%2Cidx-b/_search") == "/idx-a%252Cidx-b/_search");
  CHECK(sigV4CanonicalPath("/idx*,b/_doc/x y") == "/idx%2A%2Cb/_doc/x%20y");
  CHECK(sigV4CanonicalPath("/idx/") == "/idx/");
  CHECK(sigV4CanonicalQuery("") == "");
  CHECK(sigV4CanonicalQuery("b=2&a=1&a=0") == "a=0&a=1&b=2");
  CHECK(sigV4CanonicalQuery("pretty") == "pretty=");
  CHECK(sigV4CanonicalQuery("q=a%20b+c&x=%2a") == "q=a%20b%20c&x=%2A");
  CHECK(sigV4CanonicalQuery("filter_path=hits.hits._id,took") == "filter_path=hits.hits._id%2Ctook");
}
