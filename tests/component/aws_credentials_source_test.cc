// AwsCredentialSource reading each provider in turn: the environment, the
// credentials file, a profile's credential_process, the container endpoint (ECS, EKS Pod Identity) and the
// instance metadata service, the endpoints played by a scripted local
// server (the real ones exist only on AWS).
#include <catch2/catch.hpp>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "connectors/aws_credentials.h"
#include "tests/support/fake_upstream.h"

using namespace rr::connectors;
using rr::testing::CannedResponse;
using rr::testing::FakeUpstream;

namespace {

// Sets (or unsets) environment variables for a scope, restoring them.
class ScopedEnv {
 public:
  explicit ScopedEnv(std::vector<std::pair<const char*, std::optional<std::string>>> vars) {
    for (auto& [name, value] : vars) {
      const char* old = std::getenv(name);
      saved_.emplace_back(name, old ? std::optional<std::string>(old) : std::nullopt);
      if (value) {
        ::setenv(name, value->c_str(), 1);
      } else {
        ::unsetenv(name);
      }
    }
  }
  ~ScopedEnv() {
    for (auto& [name, value] : saved_) {
      if (value) {
        ::setenv(name, value->c_str(), 1);
      } else {
        ::unsetenv(name);
      }
    }
  }

 private:
  std::vector<std::pair<const char*, std::optional<std::string>>> saved_;
};

// No credentials from the environment or a file: the next providers' turn.
std::vector<std::pair<const char*, std::optional<std::string>>> nothingStatic() {
  return {{"AWS_ACCESS_KEY_ID", std::nullopt},
          {"AWS_SECRET_ACCESS_KEY", std::nullopt},
          {"AWS_SESSION_TOKEN", std::nullopt},
          {"AWS_SHARED_CREDENTIALS_FILE", std::nullopt},
          {"AWS_CONFIG_FILE", std::nullopt},
          {"AWS_PROFILE", std::nullopt},
          {"HOME", "/nonexistent/rr-home"},
          {"AWS_CONTAINER_CREDENTIALS_FULL_URI", std::nullopt},
          {"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", std::nullopt},
          {"AWS_CONTAINER_AUTHORIZATION_TOKEN", std::nullopt},
          {"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", std::nullopt},
          {"AWS_EC2_METADATA_SERVICE_ENDPOINT", std::nullopt},
          {"AWS_EC2_METADATA_DISABLED", std::nullopt},
          {"AWS_WEB_IDENTITY_TOKEN_FILE", std::nullopt},
          {"AWS_ROLE_ARN", std::nullopt},
          {"AWS_ROLE_SESSION_NAME", std::nullopt},
          {"AWS_ENDPOINT_URL_STS", std::nullopt}};
}

std::string credentialsJson(const std::string& id, const std::string& expiration) {
  return R"({"Code":"Success","AccessKeyId":")" + id +
         R"(","SecretAccessKey":"secret-)" + id + R"(","Token":"token-)" + id +
         R"(","Expiration":")" + expiration + R"("})";
}

}  // namespace

TEST_CASE("the environment comes first, then the credentials file", "[component][sigv4]") {
  const auto dir = std::filesystem::temp_directory_path() / ("rr-aws-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "credentials") << "[default]\naws_access_key_id = AKIDFILE\n"
                                        "aws_secret_access_key = from-file\n";
  auto vars = nothingStatic();
  vars.push_back({"AWS_SHARED_CREDENTIALS_FILE", (dir / "credentials").string()});
  {
    ScopedEnv e(vars);
    AwsCredentialSource file;
    CHECK(file.provider() == "file");
    REQUIRE(file.current());
    CHECK(file.current()->access_key_id == "AKIDFILE");
  }
  vars.push_back({"AWS_ACCESS_KEY_ID", "AKIDENV"});
  vars.push_back({"AWS_SECRET_ACCESS_KEY", "from-env"});
  {
    ScopedEnv e(vars);
    AwsCredentialSource environment;
    CHECK(environment.provider() == "environment");
    CHECK(environment.current()->access_key_id == "AKIDENV");
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("container credentials are fetched with the authorization token and refreshed "
          "before they expire",
          "[component][sigv4]") {
  const auto now = std::chrono::system_clock::now();
  auto iso = [](std::chrono::system_clock::time_point t) {
    const std::time_t tt = std::chrono::system_clock::to_time_t(t);
    std::tm utc{};
    ::gmtime_r(&tt, &utc);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return std::string(buf);
  };
  // The first credentials are inside the refresh margin (they expire in
  // five minutes and a second): the source refreshes them soon, and gets
  // the second ones, good for an hour.
  FakeUpstream endpoint({{200, credentialsJson("ASIAFIRST", iso(now + std::chrono::seconds(301)))},
                         {200, credentialsJson("ASIASECOND", iso(now + std::chrono::hours(1)))}});
  const auto dir = std::filesystem::temp_directory_path() / ("rr-aws-c-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "token") << "pod-identity-token\n";
  auto vars = nothingStatic();
  vars.push_back({"AWS_CONTAINER_CREDENTIALS_FULL_URI", endpoint.url() + "/v1/credentials"});
  vars.push_back({"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", (dir / "token").string()});
  ScopedEnv e(vars);
  AwsCredentialSource source;
  CHECK(source.provider() == "container");
  auto first = source.current();
  REQUIRE(first);
  CHECK(first->access_key_id == "ASIAFIRST");
  CHECK(first->session_token == "token-ASIAFIRST");
  REQUIRE(endpoint.requestLines().size() == 1);
  CHECK(endpoint.requestLines()[0] == "GET /v1/credentials HTTP/1.1");
  CHECK_THAT(endpoint.requestHeads()[0], Catch::Contains("Authorization: pod-identity-token"));
  // The refresher's next fetch (a few seconds away), without a call to wait.
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (source.current()->access_key_id == "ASIAFIRST" && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(source.current()->access_key_id == "ASIASECOND");
  std::filesystem::remove_all(dir);
}

TEST_CASE("the instance metadata service is asked with an IMDSv2 session token",
          "[component][sigv4]") {
  FakeUpstream imds({{200, "imds-session-token"},
                     {200, "shop-rerankd-role\n", "text/plain"},
                     {200, credentialsJson("ASIAEC2", "2099-01-01T00:00:00Z")}});
  auto vars = nothingStatic();
  vars.push_back({"AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.url() + "/"});
  ScopedEnv e(vars);
  AwsCredentialSource source;
  CHECK(source.provider() == "instance");
  auto got = source.current();
  REQUIRE(got);
  CHECK(got->access_key_id == "ASIAEC2");
  const auto lines = imds.requestLines();
  REQUIRE(lines.size() == 3);
  CHECK(lines[0] == "PUT /latest/api/token HTTP/1.1");
  CHECK(lines[1] == "GET /latest/meta-data/iam/security-credentials/ HTTP/1.1");
  CHECK(lines[2] == "GET /latest/meta-data/iam/security-credentials/shop-rerankd-role HTTP/1.1");
  const auto heads = imds.requestHeads();
  CHECK_THAT(heads[0], Catch::Contains("X-aws-ec2-metadata-token-ttl-seconds: 21600"));
  CHECK_THAT(heads[2], Catch::Contains("X-aws-ec2-metadata-token: imds-session-token"));
}

TEST_CASE("with no provider, or one that fails, the source says what it looked at",
          "[component][sigv4]") {
  {
    auto vars = nothingStatic();
    vars.push_back({"AWS_EC2_METADATA_DISABLED", "true"});
    ScopedEnv e(vars);
    AwsCredentialSource none;
    CHECK(none.provider() == "none");
    CHECK(none.current().error() ==
          "no AWS credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not both set, no "
          "credentials file at /nonexistent/rr-home/.aws/credentials, no container credentials "
          "endpoint, and the instance metadata service is off (AWS_EC2_METADATA_DISABLED)");
  }
  {
    FakeUpstream refusing({{403, R"({"message":"no"})"}});
    auto vars = nothingStatic();
    vars.push_back({"AWS_CONTAINER_CREDENTIALS_FULL_URI", refusing.url() + "/creds"});
    ScopedEnv e(vars);
    AwsCredentialSource container;
    CHECK(container.current().error() ==
          "the container credentials endpoint " + refusing.url() + "/creds answered 403");
  }
  {
    auto vars = nothingStatic();
    vars.push_back({"AWS_EC2_METADATA_SERVICE_ENDPOINT",
                    "http://127.0.0.1:" + std::to_string(rr::testing::closedPort())});
    ScopedEnv e(vars);
    AwsCredentialSource instance;
    CHECK_THAT(instance.current().error(),
               Catch::StartsWith("no AWS credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
                                 "are not both set, no credentials file at") &&
                   Catch::Contains("the instance metadata service at http://127.0.0.1:"));
  }
}

TEST_CASE("a web identity token is exchanged with STS for the role's credentials",
          "[component][sigv4]") {
  FakeUpstream sts({{200,
                     "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult>"
                     "<Credentials><AccessKeyId>ASIAIRSA</AccessKeyId>"
                     "<SecretAccessKey>irsa-secret</SecretAccessKey>"
                     "<SessionToken>irsa-token</SessionToken>"
                     "<Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>"
                     "</AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>",
                     "text/xml"}});
  const auto dir = std::filesystem::temp_directory_path() / ("rr-aws-w-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "token") << "eyJhbGciOi.test-token_x\n";
  auto vars = nothingStatic();
  // Set too, and ignored: web identity comes before the file.
  vars.push_back({"AWS_SHARED_CREDENTIALS_FILE", (dir / "no-such-credentials").string()});
  vars.push_back({"AWS_WEB_IDENTITY_TOKEN_FILE", (dir / "token").string()});
  vars.push_back({"AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/shop+rerankd"});
  vars.push_back({"AWS_ROLE_SESSION_NAME", "rerankd-test"});
  vars.push_back({"AWS_ENDPOINT_URL_STS", sts.url()});
  ScopedEnv e(vars);
  AwsCredentialSource source;
  CHECK(source.provider() == "web_identity");
  auto got = source.current();
  REQUIRE(got);
  CHECK(got->access_key_id == "ASIAIRSA");
  CHECK(got->session_token == "irsa-token");
  REQUIRE(sts.requestLines().size() == 1);
  CHECK(sts.requestLines()[0] == "POST / HTTP/1.1");
  CHECK_THAT(sts.requestHeads()[0], Catch::Contains("Content-Type: application/x-www-form-urlencoded"));
  CHECK(sts.requestBodies()[0] ==
        "Action=AssumeRoleWithWebIdentity&Version=2011-06-15"
        "&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fshop%2Brerankd"
        "&RoleSessionName=rerankd-test&WebIdentityToken=eyJhbGciOi.test-token_x");
  std::filesystem::remove_all(dir);
}

TEST_CASE("a profile's credential_process gives the keys, and is run again before they expire",
          "[component][sigv4]") {
  const auto dir = std::filesystem::temp_directory_path() / ("rr-aws-p-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  // Each run prints the next key (a counter in a file); the first keys
  // expire in five minutes and a second (inside the refresh margin), the
  // second in an hour.
  const auto script = dir / "helper.sh";
  std::ofstream(script) << "n=$(cat " << (dir / "count").string() << " 2>/dev/null || echo 0)\n"
                        << "n=$((n+1)); echo $n > " << (dir / "count").string() << "\n"
                        << "if [ $n = 1 ]; then secs=301; else secs=3600; fi\n"
                        << "exp=$(date -u -d \"+$secs seconds\" +%Y-%m-%dT%H:%M:%SZ)\n"
                        << "printf '{\"Version\": 1, \"AccessKeyId\": \"ASIARUN%s\", "
                           "\"SecretAccessKey\": \"s%s\", \"SessionToken\": \"t%s\", "
                           "\"Expiration\": \"%s\"}' $n $n $n $exp\n";
  std::ofstream(dir / "config") << "[default]\nregion = eu-west-1\n\n[profile shop]\n"
                                   "region = eu-west-1\ncredential_process = /bin/sh "
                                << script.string() << " --profile shop\n";
  auto vars = nothingStatic();
  vars.push_back({"AWS_CONFIG_FILE", (dir / "config").string()});
  vars.push_back({"AWS_PROFILE", "shop"});
  {
    ScopedEnv e(vars);
    AwsCredentialSource source;
    CHECK(source.provider() == "process");
    auto first = source.current();
    REQUIRE(first);
    CHECK(first->access_key_id == "ASIARUN1");
    CHECK(first->secret_access_key == "s1");
    CHECK(first->session_token == "t1");
    // The refresher runs it again a few seconds later.
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < until &&
           source.current()->access_key_id == "ASIARUN1") {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    CHECK(source.current()->access_key_id == "ASIARUN2");
  }
  // Keys for the profile in the credentials file come first.
  std::ofstream(dir / "credentials") << "[shop]\naws_access_key_id = AKIDFILE\n"
                                        "aws_secret_access_key = from-file\n";
  vars.push_back({"AWS_SHARED_CREDENTIALS_FILE", (dir / "credentials").string()});
  {
    ScopedEnv e(vars);
    AwsCredentialSource source;
    CHECK(source.provider() == "file");
    CHECK(source.current()->access_key_id == "AKIDFILE");
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("a credential_process that fails, or a profile rerankd cannot use, is named",
          "[component][sigv4]") {
  const auto dir = std::filesystem::temp_directory_path() / ("rr-aws-q-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto vars = nothingStatic();
  vars.push_back({"AWS_CONFIG_FILE", (dir / "config").string()});
  SECTION("the process exits with an error") {
    std::ofstream(dir / "config") << "[default]\ncredential_process = sh -c 'exit 3'\n";
    ScopedEnv e(vars);
    AwsCredentialSource source;
    CHECK(source.provider() == "process");
    REQUIRE_FALSE(source.current());
    CHECK_THAT(source.current().error(), Catch::Contains("exited with status 3"));
  }
  SECTION("the process prints something else") {
    std::ofstream(dir / "config") << "[default]\ncredential_process = echo '{\"Version\": 2}'\n";
    ScopedEnv e(vars);
    AwsCredentialSource source;
    REQUIRE_FALSE(source.current());
    CHECK_THAT(source.current().error(), Catch::Contains("no \"Version\": 1"));
  }
  SECTION("a role whose source profile has no keys") {
    std::ofstream(dir / "config") << "[profile ops]\nrole_arn = arn:aws:iam::1:role/x\n"
                                     "source_profile = default\n";
    vars.push_back({"AWS_PROFILE", "ops"});
    ScopedEnv e(vars);
    AwsCredentialSource source;
    CHECK(source.provider() == "none");
    REQUIRE_FALSE(source.current());
    CHECK_THAT(source.current().error(), Catch::Contains("profile ops"));
    CHECK_THAT(source.current().error(),
               Catch::Contains("source_profile default has no aws_access_key_id"));
  }
  SECTION("a profile that signs in with SSO") {
    std::ofstream(dir / "config") << "[profile dev]\nsso_session = corp\nregion = eu-west-1\n";
    vars.push_back({"AWS_PROFILE", "dev"});
    ScopedEnv e(vars);
    AwsCredentialSource source;
    CHECK(source.provider() == "none");
    CHECK_THAT(source.current().error(), Catch::Contains("uses sso_session"));
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("a profile's role_arn is assumed with STS, signed with its source profile's keys",
          "[component][sigv4]") {
  FakeUpstream sts({{200,
                     "<AssumeRoleResponse><AssumeRoleResult>"
                     "<Credentials><AccessKeyId>ASIAROLE</AccessKeyId>"
                     "<SecretAccessKey>role-secret</SecretAccessKey>"
                     "<SessionToken>role-token</SessionToken>"
                     "<Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>"
                     "</AssumeRoleResult></AssumeRoleResponse>",
                     "text/xml"}});
  const auto dir = std::filesystem::temp_directory_path() / ("rr-aws-r-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "credentials") << "[base]\naws_access_key_id = AKIDSOURCE\n"
                                        "aws_secret_access_key = source-secret\n";
  std::ofstream(dir / "config") << "[profile search]\nrole_arn = arn:aws:iam::123456789012:role/search\n"
                                   "source_profile = base\nexternal_id = shop-42\n"
                                   "role_session_name = rerankd-eu\nregion = eu-west-1\n";
  auto vars = nothingStatic();
  vars.push_back({"AWS_SHARED_CREDENTIALS_FILE", (dir / "credentials").string()});
  vars.push_back({"AWS_CONFIG_FILE", (dir / "config").string()});
  vars.push_back({"AWS_PROFILE", "search"});
  vars.push_back({"AWS_ENDPOINT_URL_STS", sts.url()});
  vars.push_back({"AWS_REGION", std::nullopt});
  vars.push_back({"AWS_DEFAULT_REGION", std::nullopt});
  ScopedEnv e(vars);
  AwsCredentialSource source;
  CHECK(source.provider() == "assume_role");
  auto got = source.current();
  REQUIRE(got);
  CHECK(got->access_key_id == "ASIAROLE");
  CHECK(got->secret_access_key == "role-secret");
  CHECK(got->session_token == "role-token");
  REQUIRE(sts.requestLines().size() == 1);
  CHECK(sts.requestLines()[0] == "POST / HTTP/1.1");
  CHECK(sts.requestBodies()[0] ==
        "Action=AssumeRole&Version=2011-06-15"
        "&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fsearch"
        "&RoleSessionName=rerankd-eu&ExternalId=shop-42");
  // Signed with the source keys, for STS in the profile's region.
  const std::string head = sts.requestHeads()[0];
  CHECK_THAT(head, Catch::Contains("Authorization: AWS4-HMAC-SHA256 Credential=AKIDSOURCE/"));
  CHECK_THAT(head, Catch::Contains("/eu-west-1/sts/aws4_request"));
  CHECK_THAT(head, Catch::Contains("X-Amz-Date: "));
  CHECK_THAT(head, Catch::Contains("X-Amz-Content-Sha256: "));
  std::filesystem::remove_all(dir);
}
