// Where the AWS credentials come from, the parsing half: the shared
// credentials file, the XML STS answers for a web identity, and the JSON
// the container endpoint and the instance metadata service answer. The providers themselves:
// tests/component/aws_credentials_source_test.cc.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>

#include "connectors/aws_credentials.h"

using namespace rr::connectors;

namespace {

std::string credentialsJson(const std::string& id, const std::string& expiration) {
  return R"({"Code":"Success","AccessKeyId":")" + id +
         R"(","SecretAccessKey":"secret-)" + id + R"(","Token":"token-)" + id +
         R"(","Expiration":")" + expiration + R"("})";
}

}  // namespace

TEST_CASE("the shared credentials file is read by profile, naming what is missing",
          "[unit][sigv4]") {
  const std::string file =
      "# rotated by the agent\n"
      "[default]\n"
      "aws_access_key_id = AKIDDEFAULT\n"
      "aws_secret_access_key = secret-default\n"
      "\n"
      "[shop]\r\n"
      "aws_access_key_id=AKIDSHOP\r\n"
      "aws_secret_access_key=secret-shop\r\n"
      "aws_session_token = token-shop\r\n"
      "[half]\n"
      "aws_access_key_id = AKIDHALF\n";
  auto d = parseAwsCredentialsFile(file, "default");
  REQUIRE(d);
  CHECK(d->access_key_id == "AKIDDEFAULT");
  CHECK(d->secret_access_key == "secret-default");
  CHECK(d->session_token.empty());
  auto shop = parseAwsCredentialsFile(file, "shop");
  REQUIRE(shop);
  CHECK(shop->access_key_id == "AKIDSHOP");
  CHECK(shop->session_token == "token-shop");
  CHECK(parseAwsCredentialsFile(file, "half").error() ==
        "profile [half] has no aws_secret_access_key");
  CHECK(parseAwsCredentialsFile(file, "nope").error() == "no profile [nope]");
  CHECK(parseAwsCredentialsFile("[default]\nkey without value\n", "default").error() ==
        "line 2: expected 'key = value'");
  CHECK(parseAwsCredentialsFile("[default\n", "default").error() ==
        "line 1: a section header ends with ']'");
}

TEST_CASE("the JSON of the container endpoint and IMDS is read, naming what is missing",
          "[unit][sigv4]") {
  auto ok = parseAwsCredentialsJson(credentialsJson("ASIAONE", "2026-12-07T18:30:00Z"));
  REQUIRE(ok);
  CHECK(ok->first.access_key_id == "ASIAONE");
  CHECK(ok->first.secret_access_key == "secret-ASIAONE");
  CHECK(ok->first.session_token == "token-ASIAONE");
  CHECK(std::chrono::system_clock::to_time_t(ok->second) == 1796668200);
  auto fraction = parseAwsCredentialsJson(credentialsJson("A", "2026-12-07T18:30:00.123+00:00"));
  REQUIRE(fraction);
  CHECK(std::chrono::system_clock::to_time_t(fraction->second) == 1796668200);
  CHECK(parseAwsCredentialsJson("[]").error() == "the answer is not a JSON object");
  CHECK(parseAwsCredentialsJson(R"({"AccessKeyId":"A","SecretAccessKey":"s","Expiration":"x"})")
            .error() == "no Token");
  CHECK(parseAwsCredentialsJson(credentialsJson("A", "tomorrow")).error() ==
        "Expiration 'tomorrow' is not an ISO 8601 UTC time");
  CHECK(parseAwsCredentialsJson(credentialsJson("A", "2026-12-07T18:30:00+02:00")).error() ==
        "Expiration '2026-12-07T18:30:00+02:00' is not an ISO 8601 UTC time");
}

TEST_CASE("STS's answer to AssumeRoleWithWebIdentity is read, and its refusal named",
          "[unit][sigv4]") {
  const std::string ok =
      "<AssumeRoleWithWebIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
      "  <AssumeRoleWithWebIdentityResult>\n"
      "    <SubjectFromWebIdentityToken>system:serviceaccount:shop:rerankd</SubjectFromWebIdentityToken>\n"
      "    <Credentials>\n"
      "      <AccessKeyId>ASIAWEBID</AccessKeyId>\n"
      "      <SecretAccessKey>web-secret</SecretAccessKey>\n"
      "      <SessionToken>web-token</SessionToken>\n"
      "      <Expiration>2026-12-07T18:30:00Z</Expiration>\n"
      "    </Credentials>\n"
      "  </AssumeRoleWithWebIdentityResult>\n"
      "</AssumeRoleWithWebIdentityResponse>\n";
  auto got = parseStsCredentialsXml(ok);
  REQUIRE(got);
  CHECK(got->first.access_key_id == "ASIAWEBID");
  CHECK(got->first.secret_access_key == "web-secret");
  CHECK(got->first.session_token == "web-token");
  CHECK(std::chrono::system_clock::to_time_t(got->second) == 1796668200);
  CHECK(parseStsCredentialsXml("<ErrorResponse><Error><Type>Sender</Type><Code>InvalidIdentityToken"
                               "</Code><Message>Token expired</Message></Error></ErrorResponse>")
            .error() == "STS refused: InvalidIdentityToken: Token expired");
  CHECK(parseStsCredentialsXml("<x/>").error() == "no Credentials in STS's answer");
  CHECK(parseStsCredentialsXml("<Credentials><AccessKeyId>A</AccessKeyId></Credentials>").error() ==
        "no SecretAccessKey in STS's answer");
}
