// Where the AWS credentials come from, the parsing half: the shared
// credentials file, the XML STS answers for a web identity, and the JSON
// the container endpoint and the instance metadata service answer. The providers themselves:
// tests/component/aws_credentials_source_test.cc.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <string>

#include "connectors/aws_credentials.h"
#include "connectors/aws_profile.h"

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

TEST_CASE("an INI section is read by name, indented continuations skipped, bad lines named",
          "[unit][sigv4]") {
  const std::string config =
      "; the AWS config file\n"
      "[default]\n"
      "region = eu-west-1\n"
      "[profile shop]\n"
      "credential_process = /usr/bin/helper --arg \"a b\"\n"
      "s3 =\n"
      "  max_concurrent_requests = 20\n"
      "\n"
      "[profile other]\n"
      "region=us-east-1\n";
  const auto shop = awsIniSection(config, "profile shop");
  REQUIRE(shop);
  REQUIRE(*shop);
  CHECK((*shop)->at("credential_process") == "/usr/bin/helper --arg \"a b\"");
  CHECK((*shop)->at("s3").empty());
  CHECK_FALSE((*shop)->contains("region"));
  CHECK((*awsIniSection(config, "profile other"))->at("region") == "us-east-1");
  const auto missing = awsIniSection(config, "profile nobody");
  REQUIRE(missing);
  CHECK_FALSE(*missing);
  const auto bad = awsIniSection("[default]\nregion\n", "default");
  REQUIRE_FALSE(bad);
  CHECK(bad.error() == "line 2: expected 'key = value'");
  CHECK(awsIniSection("[default\n", "default").error() == "line 1: a section header ends with ']'");
}

TEST_CASE("a credential_process's output is read, Version 1, the token and expiry optional",
          "[unit][sigv4]") {
  const auto full = parseCredentialProcessJson(
      R"({"Version": 1, "AccessKeyId": "ASIA1", "SecretAccessKey": "s", "SessionToken": "t",)"
      R"( "Expiration": "2026-12-07T18:00:00Z"})");
  REQUIRE(full);
  CHECK(full->first.access_key_id == "ASIA1");
  CHECK(full->first.session_token == "t");
  CHECK(std::chrono::system_clock::to_time_t(full->second) == 1796666400);
  const auto forever =
      parseCredentialProcessJson(R"({"Version": 1, "AccessKeyId": "AKID", "SecretAccessKey": "s"})");
  REQUIRE(forever);
  CHECK(forever->first.session_token.empty());
  CHECK(forever->second == std::chrono::system_clock::time_point::max());
  CHECK(parseCredentialProcessJson(R"({"AccessKeyId": "A", "SecretAccessKey": "s"})").error() ==
        "its output has no \"Version\": 1");
  CHECK(parseCredentialProcessJson(R"({"Version": 1, "AccessKeyId": "A"})").error() ==
        "its output has no SecretAccessKey");
  CHECK(parseCredentialProcessJson("not json").error() == "its output is not a JSON object");
  CHECK_THAT(parseCredentialProcessJson(R"({"Version": 1, "AccessKeyId": "A", )"
                                        R"("SecretAccessKey": "s", "Expiration": "tomorrow"})")
                 .error(),
             Catch::Contains("'tomorrow' is not an ISO 8601 UTC time"));
}

TEST_CASE("a credential_process is run by the shell, its failures named", "[unit][sigv4]") {
  using std::chrono::milliseconds;
  CHECK(runCredentialProcess("printf '%s' \"a b\"; echo >&2 to-stderr", milliseconds(5000)) ==
        "a b");
  CHECK(runCredentialProcess("exit 7", milliseconds(5000)).error() == "exited with status 7");
  CHECK(runCredentialProcess("sleep 5", milliseconds(200)).error() == "ran longer than 200 ms");
  CHECK(runCredentialProcess("head -c 70000 /dev/zero", milliseconds(5000)).error() ==
        "printed more than 64 KB");
  CHECK(runCredentialProcess("/nonexistent/helper", milliseconds(5000)).error() ==
        "exited with status 127");
}

TEST_CASE("a credential_process does not inherit rerankd's files and sockets", "[unit][sigv4]") {
  // rerankd's sockets are not all close-on-exec; a helper that kept them
  // open would hold shoppers' connections and the engine's while it runs.
  const int fd = ::open("/dev/null", O_RDONLY);  // without O_CLOEXEC
  REQUIRE(fd > 2);
  const std::string fd_path = "/proc/$$/fd/" + std::to_string(fd);
  CHECK(runCredentialProcess("test -e " + fd_path + " && echo open || echo closed",
                             std::chrono::milliseconds(5000)) == "closed\n");
  // Its standard output is still the pipe it answers on.
  CHECK(runCredentialProcess("test -e /proc/$$/fd/1 && echo open", std::chrono::milliseconds(5000)) ==
        "open\n");
  ::close(fd);
}
