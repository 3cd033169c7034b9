// config/: how a refused config is reported (unknown keys, duplicates,
// document order, lines, YAML errors) and what comes from outside the
// document: files, relative paths and the environment.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "config/config.h"
#include "config_test_support.h"

using namespace rr::config;
using namespace rr::config::test;
using namespace std::chrono_literals;

// ---------------------------------------------------------------------------
// Unknown keys, document order, lines, YAML errors

TEST_CASE("an unknown key is named by its full path with the closest known key suggested",
          "[unit][config]") {
  checkRejected({
      {storefrontWith("windw: 100\n"), "storefronts[0].windw", "did you mean 'window'?"},
      {"storefront:\n  - name: a\n" + yamlOf({}), "storefront", "did you mean 'storefronts'?"},
      {listenWith("colour: blue"), "listen.colour",
       "unknown key; expected one of: address, port, threads"},
      {storefrontWith("sync: {interval: 60}\n"), "storefronts[0].sync.interval",
       "did you mean 'interval_s'?"},
  });
}

TEST_CASE("a key given twice is refused at its second occurrence", "[unit][config]") {
  const auto r = parseConfig(storefrontWith("window: 10\nwindow: 20\n"));
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().field == "storefronts[0].window");
  CHECK(r.error().line == 8);
  CHECK_THAT(r.error().message, Catch::Contains("duplicate key (first given on line 7)"));
}

TEST_CASE("the first problem in document order is the one reported", "[unit][config]") {
  const std::string yaml =
      "listen:\n"
      "  threads: 0\n"
      "upstream:\n"
      "  url: ftp://x\n"
      "storefronts:\n"
      "  - name: BAD\n";
  const auto r = parseConfig(yaml);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().field == "listen.threads");
  CHECK(r.error().line == 2);

  const auto later = parseConfig(
      "upstream:\n  url: http://h:9200\nstorefronts:\n  - name: a\n    window: 0\n"
      "    deadline_ms: 0\n");
  REQUIRE_FALSE(later.has_value());
  CHECK(later.error().field == "storefronts[0].window");
}

TEST_CASE("the line of the offending key is reported and described with the file",
          "[unit][config]") {
  TempDir dir;
  const std::string yaml =
      "# comment\n"                 // 1
      "upstream:\n"                 // 2
      "  url: http://h:9200\n"      // 3
      "storefronts:\n"              // 4
      "  - name: a\n"               // 5
      "    indices: [products]\n"   // 6
      "    model: m.rrm\n"          // 7
      "\n"                          // 8
      "    window: 5000\n";         // 9
  const std::string file = dir.write("rerankd.yaml", yaml);
  const auto r = loadConfig(file);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().line == 9);
  CHECK(r.error().file == file);
  CHECK(r.error().describe() == file + ":9: storefronts[0].window: must be 1..1000, got 5000");

  const auto inText = parseConfig(yaml);
  REQUIRE_FALSE(inText.has_value());
  CHECK(inText.error().file.empty());
  CHECK(inText.error().describe() == "line 9: storefronts[0].window: must be 1..1000, got 5000");
}

TEST_CASE("a storefront missing a required key is reported at the storefront's line",
          "[unit][config]") {
  const auto r = parseConfig(
      "upstream:\n  url: http://h:9200\nstorefronts:\n  - name: a\n    indices: [p]\n"
      "  - name: b\n    indices: [q]\n");
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().field == "storefronts[0].model");
  CHECK(r.error().line == 4);
}

TEST_CASE("a YAML syntax error is reported with its line", "[unit][config]") {
  const auto r = parseConfig("upstream:\n  url: http://h:9200\nstorefronts: [a, b\nlisten: {}\n");
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().field.empty());
  CHECK(r.error().line >= 3);
  CHECK_THAT(r.error().message, Catch::StartsWith("invalid YAML: "));

  const auto badIndent = parseConfig("upstream:\n  url: http://h:9200\n bad: 1\n");
  REQUIRE_FALSE(badIndent.has_value());
  CHECK(badIndent.error().line == 3);
  CHECK_THAT(badIndent.error().message, Catch::StartsWith("invalid YAML: "));
}

TEST_CASE("empty, non-mapping and multi-document configs are refused", "[unit][config]") {
  checkRejected({
      {"", "", "the config is empty"},
      {"# nothing but a comment\n", "", "the config is empty"},
      {"- upstream\n", "", "expected a mapping with upstream and storefronts"},
      {yamlOf({}) + "---\n" + yamlOf({}), "", "expected one YAML document, found more"},
      // yaml-cpp reports empty documents here without end: refused, not a hang.
      {"# a comment\n, with a comma first\nupstream:\n  url: http://h:9200\n", "",
       "the parser cannot read past line 2"},
      {"upstream:\n  url: http://h:9200\nstorefronts:\n  - [a]\n", "storefronts[0]",
       "expected a mapping, got a list"},
      {"upstream:\n  url: http://h:9200\n? [a]\n: 1\nstorefronts: []\n", "",
       "keys must be plain names"},
  });
}

TEST_CASE("error descriptions leave out the parts that are empty", "[unit][config]") {
  CHECK(ConfigError{"upstream.url", "is required", 3, "c.yaml"}.describe() ==
        "c.yaml:3: upstream.url: is required");
  CHECK(ConfigError{"upstream.url", "is required", 0, "c.yaml"}.describe() ==
        "c.yaml: upstream.url: is required");
  CHECK(ConfigError{"", "cannot open: No such file", 0, "c.yaml"}.describe() ==
        "c.yaml: cannot open: No such file");
  CHECK(ConfigError{"upstream.url", "is required", 0, ""}.describe() ==
        "upstream.url: is required");
  CHECK(ConfigError{"", "invalid YAML: x", 4, ""}.describe() == "line 4: invalid YAML: x");
}

// ---------------------------------------------------------------------------
// Files, paths and the environment

TEST_CASE("a missing or unreadable config file is an error naming the file", "[unit][config]") {
  TempDir dir;
  const std::string missing = (dir.path / "nope.yaml").string();
  const auto r = loadConfig(missing);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().file == missing);
  CHECK(r.error().line == 0);
  CHECK(r.error().describe() == missing + ": cannot open: No such file or directory");

  const auto d = loadConfig(dir.path.string());
  REQUIRE_FALSE(d.has_value());
  CHECK(d.error().describe() == dir.path.string() + ": is a directory, not a config file");
}

TEST_CASE("relative model paths resolve against the base directory", "[unit][config]") {
  const auto yaml = [](std::string model) {
    return storefrontOnly("name: a\nindices: [p]\nmodel: " + model + "\n");
  };
  CHECK(mustParse(yaml("models/a.rrm"), "/etc/rerank")->storefronts[0].model ==
        "/etc/rerank/models/a.rrm");
  CHECK(mustParse(yaml("../models/a.rrm"), "/etc/rerank")->storefronts[0].model ==
        "/etc/models/a.rrm");
  CHECK(mustParse(yaml("/abs/a.rrm"), "/etc/rerank")->storefronts[0].model == "/abs/a.rrm");
  CHECK(mustParse(yaml("a.rrm"), ".")->storefronts[0].model == "a.rrm");

  TempDir dir;
  const std::string file = dir.write("c.yaml", yaml("models/a.rrm"));
  const auto loaded = loadConfig(file);
  REQUIRE(loaded.has_value());
  CHECK((*loaded)->storefronts[0].model == (dir.path / "models/a.rrm").string());
}

TEST_CASE("a relative ca_file resolves against the base directory and must exist and hold a certificate",
          "[unit][config]") {
  TempDir dir;
  dir.write("ca.pem", "-----BEGIN CERTIFICATE-----\n");
  const auto c = mustParse(upstreamWith("ca_file: ca.pem\n"), dir.path.string());
  CHECK(c->upstream.ca_file == (dir.path / "ca.pem").string());
  const auto r = parseConfig(upstreamWith("ca_file: other.pem\n"), dir.path.string());
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().field == "upstream.ca_file");
  // A file that is there but holds no certificate (a key, a typo'd path to
  // some other file) is refused too, naming the field.
  dir.write("key.pem", "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n");
  const auto key = parseConfig(upstreamWith("ca_file: key.pem\n"), dir.path.string());
  REQUIRE_FALSE(key.has_value());
  CHECK(key.error().field == "upstream.ca_file");
  CHECK_THAT(key.error().message, Catch::Contains("no PEM certificate"));
}

TEST_CASE("a client certificate needs its key and an https url and both must be PEM",
          "[unit][config]") {
  TempDir dir;
  dir.write("client.pem", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
  dir.write("client.key", "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n");
  dir.write("rsa.key", "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\n");
  dir.write("locked.key",
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIF\n-----END ENCRYPTED PRIVATE KEY-----\n");
  const auto https = [](std::string lines) {
    return yamlOf({.upstream = "url: https://search.internal:9200\n" + lines});
  };
  const auto c = mustParse(https("client_cert: client.pem\nclient_key: client.key\n"),
                           dir.path.string());
  CHECK(c->upstream.client_cert == (dir.path / "client.pem").string());
  CHECK(c->upstream.client_key == (dir.path / "client.key").string());
  CHECK(mustParse(https("client_cert: client.pem\nclient_key: rsa.key\n"), dir.path.string())
            ->upstream.client_key == (dir.path / "rsa.key").string());

  const auto rejected = [&](const std::string& yaml, const std::string& field,
                            const std::string& message) {
    const auto r = parseConfig(yaml, dir.path.string());
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().field == field);
    CHECK_THAT(r.error().message, Catch::Contains(message));
  };
  rejected(https("client_cert: client.pem\n"), "upstream.client_key",
           "is required when upstream.client_cert is given");
  rejected(https("client_key: client.key\n"), "upstream.client_cert",
           "is required when upstream.client_key is given");
  rejected(upstreamWith("client_cert: client.pem\nclient_key: client.key\n"),
           "upstream.client_cert", "needs an https upstream.url");
  // Swapped files, and a key neither client could unlock.
  rejected(https("client_cert: client.key\nclient_key: client.key\n"), "upstream.client_cert",
           "no PEM certificate");
  rejected(https("client_cert: client.pem\nclient_key: client.pem\n"), "upstream.client_key",
           "no PEM private key");
  rejected(https("client_cert: client.pem\nclient_key: locked.key\n"), "upstream.client_key",
           "is encrypted");
}

TEST_CASE("api_key_env reads the API key from the environment", "[unit][config]") {
  const std::string yaml = upstreamWith("api_key_env: RR_CONFIG_TEST_API_KEY\n");
  const std::string key = "VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw==";
  ::setenv("RR_CONFIG_TEST_API_KEY", key.c_str(), 1);
  const auto c = mustParse(yaml);
  CHECK(c->upstream.api_key == key);
  CHECK_FALSE(c->upstream.user.has_value());
  CHECK(c->upstream.hasCredentials());
  CHECK_FALSE(mustParse(upstreamWith(""))->upstream.hasCredentials());

  ::setenv("RR_CONFIG_TEST_API_KEY", "", 1);
  auto r = parseConfig(yaml);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().field == "upstream.api_key_env");
  CHECK_THAT(r.error().message,
             Catch::Contains("RR_CONFIG_TEST_API_KEY must hold the encoded key"));

  ::unsetenv("RR_CONFIG_TEST_API_KEY");
  r = parseConfig(yaml);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().message == "environment variable RR_CONFIG_TEST_API_KEY is not set");
}

TEST_CASE("password_env reads the password from the environment", "[unit][config]") {
  const std::string yaml = upstreamWith("user: admin\npassword_env: RR_CONFIG_TEST_PASSWORD\n");
  ::setenv("RR_CONFIG_TEST_PASSWORD", "from-the-env", 1);
  const auto c = mustParse(yaml);
  CHECK(c->upstream.user == "admin");
  CHECK(c->upstream.password == "from-the-env");

  ::unsetenv("RR_CONFIG_TEST_PASSWORD");
  const auto r = parseConfig(yaml);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().field == "upstream.password_env");
  CHECK(r.error().message == "environment variable RR_CONFIG_TEST_PASSWORD is not set");
}

TEST_CASE("token_env reads the admin token from the environment and checks it",
          "[unit][config]") {
  const std::string yaml = adminWith("token_env: RR_CONFIG_TEST_TOKEN");
  ::setenv("RR_CONFIG_TEST_TOKEN", "a-long-enough-admin-token", 1);
  CHECK(mustParse(yaml)->admin.token == "a-long-enough-admin-token");

  ::setenv("RR_CONFIG_TEST_TOKEN", "tiny", 1);
  auto r = parseConfig(yaml);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().field == "admin.token_env");
  CHECK_THAT(r.error().message, Catch::Contains("at least 16 characters, got 4"));
  CHECK_THAT(r.error().describe(), !Catch::Contains("tiny"));

  ::setenv("RR_CONFIG_TEST_TOKEN", "", 1);
  r = parseConfig(yaml);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().field == "admin.token_env");
  CHECK_THAT(r.error().message, Catch::Contains("RR_CONFIG_TEST_TOKEN is empty"));

  ::unsetenv("RR_CONFIG_TEST_TOKEN");
  r = parseConfig(yaml);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().field == "admin.token_env");
  CHECK_THAT(r.error().message, Catch::Contains("RR_CONFIG_TEST_TOKEN is not set"));
}

TEST_CASE("no input makes parsing throw, and no refusal quotes a secret: every truncation and "
          "random mutations of the demo",
          "[unit][config]") {
  std::ifstream in(kExamples + "/demo.yaml");
  const std::string demo((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  REQUIRE(demo.size() > 1000);
  std::size_t refused = 0;
  for (std::size_t n = 0; n < demo.size(); n += 7) {
    const auto r = parseConfig(std::string_view(demo).substr(0, n), kExamples);
    if (!r) {
      ++refused;
      CHECK_FALSE(r.error().message.empty());
    }
  }
  CHECK(refused > 0);
  std::mt19937 rng(12345);
  const std::string alphabet = " :-[]{}\"'#\n\t*&!|>%@`,?0aZ";
  for (int i = 0; i < 1500; ++i) {
    std::string mutated = demo;
    for (int k = 0; k < 3; ++k) {
      mutated[rng() % mutated.size()] = alphabet[rng() % alphabet.size()];
    }
    const auto r = parseConfig(mutated, kExamples);
    if (!r) {
      CHECK_FALSE(r.error().message.empty());
      // A secret the mutation left on its line as written is never quoted,
      // whatever else in the file is wrong.
      INFO("refused: " << mutated);
      const std::string told = r.error().describe();
      if (mutated.find("\n  password: demo-password ") != std::string::npos) {
        CHECK(told.find("demo-password") == std::string::npos);
      }
      if (mutated.find("\n  token: demo-admin-token-change-me ") != std::string::npos) {
        CHECK(told.find("demo-admin-token-change-me") == std::string::npos);
      }
    }
  }
}

TEST_CASE("upstream.url takes one node or a list of the cluster's nodes", "[unit][config]") {
  const auto one = mustParse(yamlOf({.upstream = "url: http://n1:9200/\n"}));
  CHECK(one->upstream.url == "http://n1:9200");
  CHECK(one->upstream.nodes() == std::vector<std::string>{"http://n1:9200"});

  const auto three = mustParse(yamlOf(
      {.upstream = "url:\n  - http://n1:9200\n  - http://n2:9200/\n  - http://[::1]:9201\n"}));
  CHECK(three->upstream.url == "http://n1:9200");
  CHECK(three->upstream.nodes() ==
        std::vector<std::string>{"http://n1:9200", "http://n2:9200", "http://[::1]:9201"});

  const auto upstream = [](std::string lines) { return yamlOf({.upstream = std::move(lines)}); };
  checkRejected({
      {upstream("url: []\n"), "upstream.url", "at least one node"},
      {upstream("url: [http://n1:9200, ftp://n2]\n"), "upstream.url[1]", "expected http(s)://host"},
      {upstream("url: [http://n1:9200, http://n1:9200/]\n"), "upstream.url[1]",
       "lists http://n1:9200 twice"},
      {upstream("url: [https://n1:9200, http://n2:9200]\n"), "upstream.url[1]",
       "must use the same scheme as https://n1:9200"},
      {upstream("url: [http://n1:9200, [http://n2:9200]]\n"), "upstream.url[1]",
       "expected a string"},
      {upstream("url: {a: 1}\n"), "upstream.url", "expected a string"},
  });
}

TEST_CASE("upstream.discover_nodes asks the cluster for its nodes, not with AWS signing",
          "[unit][config]") {
  const auto off = mustParse(yamlOf({.upstream = "url: http://n1:9200\n"}));
  CHECK_FALSE(off->upstream.discover_nodes);
  CHECK(off->upstream.discover_interval == std::chrono::seconds(300));
  const auto on = mustParse(yamlOf(
      {.upstream = "url: http://n1:9200\ndiscover_nodes: true\ndiscover_interval_s: 60\n"}));
  CHECK(on->upstream.discover_nodes);
  CHECK(on->upstream.discover_interval == std::chrono::seconds(60));

  checkRejected({
      {yamlOf({.upstream = "url: https://n1:443\ndiscover_nodes: true\n"
                           "aws_sigv4: {region: eu-west-1}\n"}),
       "upstream.discover_nodes", "not with aws_sigv4"},
      {upstreamWith("discover_interval_s: 5\n"), "upstream.discover_interval_s", "must be 10..86400, got 5"},
      {upstreamWith("discover_nodes: yes please\n"), "upstream.discover_nodes", "expected true or false"},
  });
}
