// rerankd in front of a domain that wants AWS Signature Version 4: the real
// node behind tests/js/sigv4_front.mjs, which checks every request's
// signature with the aws4 package (independent of rerankd's signer) and
// refuses what does not match with a 403. Both engine clients sign: the
// asynchronous one (rerankd's searches, `_msearch`) and libcurl (rerankd's
// readiness, index-sync's writes).
#include <catch2/catch.hpp>
#include <fcntl.h>
#include <signal.h>
#include <simdjson.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>

#include "tests/rerank/rerank_shop.h"
#include "tests/support/fake_upstream.h"
#include "tests/support/run_program.h"

using namespace rr;
using namespace rr::testing;

namespace {

// Sets (or with nullopt, unsets) an environment variable for the scope:
// rerankd and the front are started with this process's environment.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, std::optional<std::string> value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) {
      ::setenv(name, value->c_str(), 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

// The verifying front, as a child process (node), with the credentials of
// this process's environment.
class SigV4Front {
 public:
  SigV4Front(const std::string& engine_url, const std::string& region) {
    const auto js = std::filesystem::path(RR_SOURCE_DIR) / "tests" / "js";
    if (std::system("command -v node >/dev/null 2>&1") != 0) {
      FAIL("node is not installed (scripts/install-deps.sh installs it)");
    }
    if (!std::filesystem::exists(js / "node_modules" / "aws4")) {
      FAIL("aws4 is not installed: run `npm ci --prefix tests/js` (scripts/test.sh does)");
    }
    dir_ = tempDir("sigv4-front");
    const std::string log = (dir_ / "front.log").string();
    const std::string script = (js / "sigv4_front.mjs").string();
    pid_ = ::fork();
    if (pid_ == 0) {
      const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::execlp("node", "node", script.c_str(), engine_url.c_str(), region.c_str(), "es",
               static_cast<char*>(nullptr));
      ::_exit(127);
    }
    for (int i = 0; i < 200 && port_ == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      std::ifstream in(log);
      std::string word;
      if (in >> word && word == "listening") in >> port_;
    }
    if (port_ == 0) {
      std::ifstream in(log);
      FAIL("the SigV4 front did not start: " << std::string(std::istreambuf_iterator<char>(in), {}));
    }
    connectors::ClientOptions options;
    options.url = url();
    auto client = connectors::EngineClient::create(options);
    REQUIRE(client);
    client_ = std::move(*client);
  }
  ~SigV4Front() {
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
  }
  SigV4Front(const SigV4Front&) = delete;
  SigV4Front& operator=(const SigV4Front&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // Requests it accepted (and relayed) and refused so far, and why it
  // refused the last one.
  struct Stats {
    int64_t accepted = -1, refused = -1;
    std::string last_refusal;
  };
  Stats stats() {
    const auto r = call(*client_, "GET", "/__front/stats");
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    Stats s;
    if (parser.parse(r.body).get(doc)) FAIL("stats: " << r.body);
    s.accepted = int64_t(doc["accepted"]);
    s.refused = int64_t(doc["refused"]);
    s.last_refusal = std::string(std::string_view(doc["last_refusal"]));
    return s;
  }

 private:
  std::filesystem::path dir_;
  pid_t pid_ = -1;
  int port_ = 0;
  std::unique_ptr<connectors::EngineClient> client_;
};

std::string signedConfig(const Shop& shop, const std::string& front_url) {
  return configFor(front_url + "\n  aws_sigv4: {region: eu-west-1, service: es}", shop.index,
                   shop.model,
                   "    deadline_ms: 5000\n"
                   "    fields: {title: title, description: description, brand: brand, "
                   "category: category, price: price}\n");
}

const std::string kKeyboards = R"({"query":{"match":{"title":"Keyboards"}},"size":5})";

}  // namespace

TEST_CASE("searches, an _msearch and readiness reach an engine that wants SigV4, signed",
          "[rerankd][opensearch]") {
  ScopedEnv id("AWS_ACCESS_KEY_ID", "AKIDRERANKTEST000001");
  ScopedEnv secret("AWS_SECRET_ACCESS_KEY", "rerank-test-secret/with+chars");
  ScopedEnv token("AWS_SESSION_TOKEN", "session-token-for-the-test=");
  Shop shop(/*sync_vectors=*/false);
  SigV4Front front(openSearchUrl(), "eu-west-1");
  // index-sync (the libcurl client, bulk writes) syncs the vectors through
  // the front.
  {
    std::filesystem::create_directories(shop.dir / "sync");
    const auto config = shop.dir / "sync" / "index-sync.yaml";
    std::ofstream(config) << signedConfig(shop, front.url());
    const auto run = runProgram(RR_INDEX_SYNC_BIN,
                                {"--config", config.string(), "--storefront", "shop", "--mode",
                                 "full", "--state-index", shop.index + "-state", "--quiet"});
    INFO(run.out << run.err);
    REQUIRE(run.exit_code == 0);
    CHECK(run.out.find("\"updated\":" + std::to_string(shop.items.size()) + ",") !=
          std::string::npos);
  }
  RerankdProcess rerankd(shop.dir, signedConfig(shop, front.url()));
  shop.buy(rerankd, "erin", "Globex");
  const auto path = "/" + shop.index + "/_search";

  // A shopper's search, reranked by her history: the window came back.
  const auto erin = call(rerankd.client(), "POST", path, kKeyboards, "", {{"X-User-Id", "erin"}});
  CHECK(erin.status == 200);
  CHECK(erin.header("X-Rerank") == "applied");
  CHECK(erin.header("X-Rerank-Vectors").starts_with("index="));  // as index-sync wrote them
  CHECK(erin.header("X-Rerank-Vectors").ends_with(";computed=0"));
  const auto got = ids(erin.body);
  REQUIRE_FALSE(got.empty());
  CHECK(shop.brandOf(got.front()) == "Globex");
  // A client's own Authorization is not what the engine checks: rerankd's
  // signature replaces it.
  const auto with_auth = call(rerankd.client(), "POST", path, kKeyboards, "",
                              {{"Authorization", "Basic c29tZW9uZTplbHNl"}});
  CHECK(with_auth.header("X-Rerank") == "applied");
  // A query with characters a signer must encode (',' and a space): passed
  // through, signed as the engine reads it.
  const auto filtered = call(rerankd.client(), "GET", path, "",
                             "q=title:Keyboards%20AND%20brand:Acme&filter_path=hits.total,took");
  CHECK(filtered.status == 200);
  CHECK(filtered.header("X-Rerank") == "skipped; reason=filter_path");
  CHECK(filtered.body.find("\"total\"") != std::string::npos);
  // `_msearch`, on the same client.
  const auto batch = call(rerankd.client(), "POST", "/" + shop.index + "/_msearch",
                          "{}\n" + kKeyboards + "\n", "",
                          {{"X-User-Id", "erin"}, {"Content-Type", "application/x-ndjson"}});
  CHECK(batch.status == 200);
  CHECK(batch.body.find("\"status\":200") != std::string::npos);
  // Readiness asks the engine through the libcurl client.
  const auto ready = call(rerankd.client(), "GET", "/_rerank/ready");
  CHECK(ready.status == 200);

  const auto stats = front.stats();
  INFO(stats.last_refusal);
  CHECK(stats.refused == 0);
  CHECK(stats.accepted >= 5);
}

TEST_CASE("with the wrong key the engine's 403 comes back, and with none rerankd will not start",
          "[rerankd][opensearch]") {
  ScopedEnv id("AWS_ACCESS_KEY_ID", "AKIDRERANKTEST000001");
  ScopedEnv secret("AWS_SECRET_ACCESS_KEY", "the-right-secret");
  ScopedEnv token("AWS_SESSION_TOKEN", std::nullopt);
  Shop shop(/*sync_vectors=*/false);
  SigV4Front front(openSearchUrl(), "eu-west-1");
  const auto path = "/" + shop.index + "/_search";
  {
    ScopedEnv wrong("AWS_SECRET_ACCESS_KEY", "not-the-secret");
    RerankdProcess rerankd(shop.dir / "wrong", signedConfig(shop, front.url()));
    const auto r = call(rerankd.client(), "POST", path, kKeyboards);
    CHECK(r.status == 403);
    CHECK(r.header("X-Rerank") == "skipped; reason=engine_status_403");
    CHECK(r.body.find("signature we calculated does not match") != std::string::npos);
    CHECK(front.stats().refused >= 1);
    CHECK_THAT(front.stats().last_refusal, Catch::Contains("signature mismatch"));
  }
  {
    ScopedEnv no_id("AWS_ACCESS_KEY_ID", std::nullopt);
    ScopedEnv no_file("AWS_SHARED_CREDENTIALS_FILE", (shop.dir / "no-such-file").string());
    std::filesystem::create_directories(shop.dir / "none");
    const auto config = shop.dir / "none" / "rerankd.yaml";
    std::ofstream(config) << signedConfig(shop, front.url());
    const auto [code, text] = checkConfig(config.string());
    CHECK(code != 0);
    CHECK_THAT(text, Catch::Contains("upstream.aws_sigv4: no AWS credentials"));
    CHECK_THAT(text, Catch::Contains("no-such-file"));
  }
}

TEST_CASE("keys rotated in the shared credentials file are used without a restart",
          "[rerankd][opensearch]") {
  ScopedEnv front_id("AWS_ACCESS_KEY_ID", "AKIDRERANKTEST000002");
  ScopedEnv front_secret("AWS_SECRET_ACCESS_KEY", "rotated-secret");
  ScopedEnv no_token("AWS_SESSION_TOKEN", std::nullopt);
  Shop shop(/*sync_vectors=*/false);
  SigV4Front front(openSearchUrl(), "eu-west-1");  // knows only the new key
  const auto file = shop.dir / "credentials";
  auto write = [&](const std::string& id, const std::string& key) {
    std::ofstream(file) << "[default]\naws_access_key_id = other\naws_secret_access_key = x\n"
                        << "[shop]\naws_access_key_id = " << id
                        << "\naws_secret_access_key = " << key << "\n";
  };
  write("AKIDRERANKTEST000001", "old-secret");
  // rerankd reads the file, profile `shop`: not the environment.
  ScopedEnv no_id("AWS_ACCESS_KEY_ID", std::nullopt);
  ScopedEnv no_secret("AWS_SECRET_ACCESS_KEY", std::nullopt);
  ScopedEnv in_file("AWS_SHARED_CREDENTIALS_FILE", file.string());
  ScopedEnv profile("AWS_PROFILE", "shop");
  RerankdProcess rerankd(shop.dir, signedConfig(shop, front.url()));
  const auto path = "/" + shop.index + "/_search";
  CHECK(call(rerankd.client(), "POST", path, kKeyboards).status == 403);  // the old key
  CHECK_THAT(front.stats().last_refusal, Catch::Contains("unknown access key AKIDRERANKTEST000001"));

  // The agent writes the new key; the file's time moves on.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  write("AKIDRERANKTEST000002", "rotated-secret");
  const auto r = call(rerankd.client(), "POST", path, kKeyboards);
  CHECK(r.status == 200);
  CHECK(r.header("X-Rerank") != "skipped; reason=engine_status_403");
}

TEST_CASE("temporary credentials from the container endpoint sign rerankd's calls",
          "[rerankd][opensearch]") {
  // The front knows the task role's temporary key and its session token.
  ScopedEnv front_id("AWS_ACCESS_KEY_ID", "ASIATASKROLE00000001");
  ScopedEnv front_secret("AWS_SECRET_ACCESS_KEY", "task-role-secret");
  ScopedEnv front_token("AWS_SESSION_TOKEN", "task-role-session-token");
  Shop shop(/*sync_vectors=*/false);
  SigV4Front front(openSearchUrl(), "eu-west-1");
  // As ECS or EKS Pod Identity serve them; rerankd sees only the endpoint.
  FakeUpstream endpoint({{200, R"({"AccessKeyId":"ASIATASKROLE00000001",)"
                               R"("SecretAccessKey":"task-role-secret",)"
                               R"("Token":"task-role-session-token",)"
                               R"("Expiration":"2099-01-01T00:00:00Z"})"}});
  ScopedEnv no_id("AWS_ACCESS_KEY_ID", std::nullopt);
  ScopedEnv no_secret("AWS_SECRET_ACCESS_KEY", std::nullopt);
  ScopedEnv no_token("AWS_SESSION_TOKEN", std::nullopt);
  ScopedEnv no_file("AWS_SHARED_CREDENTIALS_FILE", std::nullopt);
  ScopedEnv no_home("HOME", (shop.dir / "home").string());
  ScopedEnv uri("AWS_CONTAINER_CREDENTIALS_FULL_URI", endpoint.url() + "/v2/credentials/task");
  ScopedEnv auth("AWS_CONTAINER_AUTHORIZATION_TOKEN", "Basic dGFzaw==");
  RerankdProcess rerankd(shop.dir, signedConfig(shop, front.url()));
  const auto r = call(rerankd.client(), "POST", "/" + shop.index + "/_search", kKeyboards);
  CHECK(r.status == 200);
  CHECK(call(rerankd.client(), "GET", "/_rerank/ready").status == 200);
  const auto stats = front.stats();
  INFO(stats.last_refusal);
  CHECK(stats.refused == 0);
  CHECK(stats.accepted >= 2);
  // Fetched once, at start, with the task's authorization token.
  REQUIRE(endpoint.requestLines().size() == 1);
  CHECK(endpoint.requestLines()[0] == "GET /v2/credentials/task HTTP/1.1");
  CHECK_THAT(endpoint.requestHeads()[0], Catch::Contains("Authorization: Basic dGFzaw=="));
}
