// config/: the example configs load with the values written in them,
// defaults fill what is absent, and every rule rejects a bad value naming
// the field by its YAML path.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "config/config.h"
#include "config_test_support.h"

using namespace rr::config;
using namespace rr::config::test;
using namespace std::chrono_literals;

// ---------------------------------------------------------------------------
// The example configs

TEST_CASE("the minimal example loads and everything it omits takes its default",
          "[unit][config]") {
  const auto loaded = loadConfig(kExamples + "/minimal.yaml");
  INFO((loaded ? std::string() : loaded.error().describe()));
  REQUIRE(loaded.has_value());
  const Config& c = **loaded;
  CHECK(c.source_file == kExamples + "/minimal.yaml");

  CHECK(c.listen.address == "127.0.0.1");
  CHECK(c.listen.port == 9400);
  CHECK(c.listen.threads == 2);
  CHECK(c.listen.max_connections == 1024);
  CHECK(c.listen.idle_timeout == 30000ms);
  CHECK(c.listen.max_header_bytes == 16384);
  CHECK(c.listen.max_body_bytes == 10485760);
  CHECK(c.listen.drain_timeout == 10000ms);

  CHECK(c.upstream.url == "http://127.0.0.1:9200");
  CHECK_FALSE(c.upstream.user.has_value());
  CHECK_FALSE(c.upstream.password.has_value());
  CHECK(c.upstream.ca_file.empty());
  CHECK(c.upstream.tls_verify);
  CHECK(c.upstream.connect_timeout == 1000ms);
  CHECK(c.upstream.request_timeout == 30000ms);
  CHECK(c.upstream.pool_size == 16);
  CHECK(c.admin.token.empty());

  REQUIRE(c.storefronts.size() == 1);
  const StorefrontConfig& s = c.storefronts[0];
  CHECK(s.name == "shop");
  CHECK(s.enabled);
  CHECK(s.indices == std::vector<std::string>{"products"});
  CHECK(s.host.empty());
  CHECK(s.window == 100);
  CHECK(s.deadline == 50ms);
  CHECK(s.user_id.kind == IdSource::Kind::kHeader);
  CHECK(s.user_id.name == "X-User-Id");
  CHECK(s.session_id.kind == IdSource::Kind::kHeader);
  CHECK(s.session_id.name == "X-Session-Id");
  CHECK(s.model == kExamples + "/models/shop.rrm");
  CHECK(s.sync_index == "products");
  CHECK(s.fields.id == "_id");
  CHECK(s.fields.title == "title");
  CHECK(s.fields.description.empty());
  CHECK(s.fields.brand.empty());
  CHECK(s.fields.category.empty());
  CHECK(s.fields.price.empty());
  CHECK(s.fields.updated_at.empty());
  CHECK(s.vector.field == "rr_vector");
  CHECK(s.vector.mode == VectorConfig::Mode::kAuto);
  CHECK_FALSE(s.extra_candidates.enabled);
  CHECK(s.extra_candidates.k == 20);
  CHECK(sameRules(s.passthrough, defaultPassthrough()));
  CHECK(s.page_consistency == 300s);
  CHECK(s.sync.batch_size == 500);
  CHECK(s.sync.concurrency == 2);
  CHECK(s.sync.page_size == 1000);
  CHECK(s.sync.interval == 60s);
}

TEST_CASE("the demo example loads with every value written in it", "[unit][config]") {
  const auto loaded = loadConfig(kExamples + "/demo.yaml");
  INFO((loaded ? std::string() : loaded.error().describe()));
  REQUIRE(loaded.has_value());
  const Config& c = **loaded;

  CHECK(c.listen.address == "127.0.0.1");
  CHECK(c.listen.port == 9400);
  CHECK(c.listen.threads == 2);
  CHECK(c.listen.max_connections == 1024);
  CHECK(c.listen.idle_timeout == 30000ms);
  CHECK(c.listen.max_header_bytes == 16384);
  CHECK(c.listen.max_body_bytes == 10485760);
  CHECK(c.listen.drain_timeout == 10000ms);

  CHECK(c.upstream.url == "http://127.0.0.1:9200");
  CHECK(c.upstream.user == "rerankd");
  CHECK(c.upstream.password == "demo-password");
  CHECK(c.upstream.tls_verify);
  CHECK(c.upstream.connect_timeout == 1000ms);
  CHECK(c.upstream.request_timeout == 30000ms);
  CHECK(c.upstream.pool_size == 16);
  CHECK(c.admin.token == "demo-admin-token-change-me");

  REQUIRE(c.storefronts.size() == 2);
  const StorefrontConfig& s = c.storefronts[0];
  CHECK(s.name == "demo");
  CHECK(s.enabled);
  CHECK(s.indices == std::vector<std::string>{"products"});
  CHECK(s.host == "shop.example.com");
  CHECK(s.window == 100);
  CHECK(s.deadline == 50ms);
  CHECK(s.user_id.kind == IdSource::Kind::kHeader);
  CHECK(s.user_id.name == "X-User-Id");
  CHECK(s.session_id.kind == IdSource::Kind::kCookie);
  CHECK(s.session_id.name == "sid");
  CHECK(s.model == kExamples + "/models/demo.rrm");
  CHECK(s.sync_index == "products");
  CHECK(s.fields.id == "_id");
  CHECK(s.fields.title == "title");
  CHECK(s.fields.description == "description");
  CHECK(s.fields.brand == "brand");
  CHECK(s.fields.category == "category");
  CHECK(s.fields.price == "price");
  CHECK(s.fields.updated_at == "updated_at");
  CHECK(s.vector.field == "rr_vector");
  CHECK(s.vector.mode == VectorConfig::Mode::kAuto);
  CHECK(s.extra_candidates.enabled);
  CHECK(s.extra_candidates.k == 20);
  CHECK(sameRules(s.passthrough, {{"GET", "/"},
                                  {"GET", "/_search"},
                                  {"POST", "/_search"},
                                  {"GET", "/*/_search"},
                                  {"POST", "/*/_search"},
                                  {"*", "/*/_count"},
                                  {"GET", "/_cat/**"}}));
  CHECK(s.page_consistency == 300s);
  CHECK(s.sync.batch_size == 500);
  CHECK(s.sync.concurrency == 2);
  CHECK(s.sync.page_size == 1000);
  CHECK(s.sync.interval == 60s);

  const StorefrontConfig& o = c.storefronts[1];
  CHECK(o.name == "outlet");
  CHECK_FALSE(o.enabled);
  CHECK(o.indices == std::vector<std::string>{"outlet-*"});
  CHECK(o.host == "outlet.example.com");
  CHECK(o.user_id.kind == IdSource::Kind::kBody);
  CHECK(o.user_id.name == "user");
  CHECK(o.session_id.kind == IdSource::Kind::kBody);
  CHECK(o.session_id.name == "session");
  CHECK(o.model == "/var/lib/rerank/models/outlet.rrm");
  CHECK(o.sync_index == "outlet-products");
  CHECK(sameRules(o.passthrough, defaultPassthrough()));
}

TEST_CASE("storefronts are found by name", "[unit][config]") {
  const auto c = mustParse(yamlOf({.after = "  - name: second\n    host: b.example\n"
                                            "    sync_index: b\n    model: b.rrm\n"}));
  REQUIRE(c->storefront("second") != nullptr);
  CHECK(c->storefront("second")->host == "b.example");
  CHECK(c->storefront("demo") == &c->storefronts[0]);
  CHECK(c->storefront("missing") == nullptr);
  CHECK(c->storefront("") == nullptr);
}

// ---------------------------------------------------------------------------
// Every rule: a bad value is refused with the field named

TEST_CASE("listen values out of range or of the wrong type are refused with their field",
          "[unit][config]") {
  checkRejected({
      {listenWith("address: \"\""), "listen.address", "expected a host name"},
      {listenWith("port: 65536"), "listen.port", "must be 0..65535, got 65536"},
      {listenWith("port: -1"), "listen.port", "must be 0..65535"},
      {listenWith("port: abc"), "listen.port", "expected an integer, got 'abc'"},
      {listenWith("port: \"9400\""), "listen.port", "expected an integer"},
      {listenWith("port: 9400.5"), "listen.port", "expected an integer"},
      {listenWith("port: 99999999999999999999"), "listen.port", "must be 0..65535"},
      {listenWith("threads: 0"), "listen.threads", "1..256"},
      {listenWith("threads: 257"), "listen.threads", "1..256"},
      {listenWith("max_connections: 0"), "listen.max_connections", "must be 1.."},
      {listenWith("idle_timeout_ms: 0"), "listen.idle_timeout_ms", "must be 1.."},
      {listenWith("max_header_bytes: 1023"), "listen.max_header_bytes", "1024..1048576"},
      {listenWith("max_header_bytes: 1048577"), "listen.max_header_bytes", "1024..1048576"},
      {listenWith("max_body_bytes: 1023"), "listen.max_body_bytes", "1024..1073741824"},
      {listenWith("max_body_bytes: 1073741825"), "listen.max_body_bytes", "1024..1073741824"},
      {listenWith("drain_timeout_ms: -1"), "listen.drain_timeout_ms", "0..3600000"},
      {listenWith("drain_timeout_ms: [1]"), "listen.drain_timeout_ms", "got a list"},
      {"listen: 9400\n" + yamlOf({}), "listen", "expected a mapping, got '9400'"},
  });
  checkAccepted({listenWith("port: 0"), listenWith("threads: 256"),
                 listenWith("max_header_bytes: 1024"), listenWith("max_body_bytes: 1073741824"),
                 listenWith("drain_timeout_ms: 0"), listenWith("port: +9400"),
                 listenWith("address: \"::1\"")});
}

TEST_CASE("upstream rules are enforced with the field named", "[unit][config]") {
  checkRejected({
      {"storefronts:\n  - name: a\n    indices: [i]\n    model: m\n", "upstream", "is required"},
      {yamlOf({.upstream = "pool_size: 4\n"}), "upstream.url", "is required"},
      {yamlOf({.upstream = "url: ftp://h:21\n"}), "upstream.url", "http(s)://host[:port]"},
      {yamlOf({.upstream = "url: 127.0.0.1:9200\n"}), "upstream.url", "http(s)://host[:port]"},
      {yamlOf({.upstream = "url: http://h:9200/es\n"}), "upstream.url", "path"},
      {yamlOf({.upstream = "url: http://h:9200?pretty\n"}), "upstream.url", "query"},
      {yamlOf({.upstream = "url: http://h:0\n"}), "upstream.url", "port must be 1..65535"},
      {yamlOf({.upstream = "url: http://h:99999\n"}), "upstream.url", "port must be 1..65535"},
      {yamlOf({.upstream = "url: http://\n"}), "upstream.url", "no host"},
      {yamlOf({.upstream = "url: http://sh op:9200\n"}), "upstream.url", "invalid host"},
      {yamlOf({.upstream = "url: http://a:b@h:9200\n"}), "upstream.url", "credentials"},
      {upstreamWith("user: admin\n"), "upstream.password", "required when upstream.user"},
      {upstreamWith("password: pw\n"), "upstream.password", "without upstream.user"},
      {upstreamWith("user: admin\npassword: pw\npassword_env: PW\n"), "upstream.password_env",
       "not both"},
      {upstreamWith("user: admin\npassword_env: 1PW\n"), "upstream.password_env",
       "environment variable name"},
      {upstreamWith("user: a:b\npassword: pw\n"), "upstream.user", "without spaces or ':'"},
      {upstreamWith("user: admin\npassword: pw\napi_key: k\n"), "upstream.api_key",
       "either upstream.user (basic auth) or an API key, not both"},
      {upstreamWith("api_key: k\nuser: admin\npassword: pw\n"), "upstream.api_key", "not both"},
      {upstreamWith("api_key: k\napi_key_env: K\n"), "upstream.api_key_env",
       "either api_key or api_key_env, not both"},
      {upstreamWith("api_key: \"a key\"\n"), "upstream.api_key", "printable, no spaces"},
      {upstreamWith("api_key: \"\"\n"), "upstream.api_key", "printable, no spaces"},
      {upstreamWith("api_key_env: 1K\n"), "upstream.api_key_env", "environment variable name"},
      {upstreamWith("client_cert: /nonexistent/rr/client.pem\n"), "upstream.client_cert",
       "file not found: /nonexistent/rr/client.pem"},
      {upstreamWith("client_key: \"\"\n"), "upstream.client_key", "must not be empty"},
      {upstreamWith("ca_file: /nonexistent/rr/ca.pem\n"), "upstream.ca_file",
       "file not found: /nonexistent/rr/ca.pem"},
      {upstreamWith("ca_file: ca.pem\n"), "upstream.ca_file", "file not found: /srv/rerank/ca.pem"},
      {upstreamWith("ca_file: \"\"\n"), "upstream.ca_file", "must not be empty"},
      {upstreamWith("ca_file: /\n"), "upstream.ca_file", "not a regular file"},
      {upstreamWith("tls_verify: yes\n"), "upstream.tls_verify",
       "expected true or false, got 'yes'"},
      {upstreamWith("tls_verify: \"true\"\n"), "upstream.tls_verify", "expected true or false"},
      {upstreamWith("connect_timeout_ms: 0\n"), "upstream.connect_timeout_ms", "1..600000"},
      {upstreamWith("connect_timeout_ms: 600001\n"), "upstream.connect_timeout_ms", "1..600000"},
      {upstreamWith("connect_timeout_ms: 2000\nrequest_timeout_ms: 1999\n"),
       "upstream.request_timeout_ms", "must be >= connect_timeout_ms (2000), got 1999"},
      {upstreamWith("request_timeout_ms: 500\n"), "upstream.request_timeout_ms",
       ">= connect_timeout_ms (1000)"},
      {upstreamWith("pool_size: 0\n"), "upstream.pool_size", "1..1024"},
      {upstreamWith("pool_size: 1025\n"), "upstream.pool_size", "1..1024"},
      {upstreamWith("aws_sigv4: {service: es}\n"), "upstream.aws_sigv4.region", "is required"},
      {upstreamWith("aws_sigv4: {region: US East}\n"), "upstream.aws_sigv4.region",
       "an AWS region such as us-east-1"},
      {upstreamWith("aws_sigv4: {region: us-east-1, service: s3}\n"),
       "upstream.aws_sigv4.service", "expected es (an OpenSearch Service domain) or aoss"},
      {upstreamWith("aws_sigv4: {region: us-east-1, sevrice: es}\n"),
       "upstream.aws_sigv4.sevrice", "unknown"},
      {upstreamWith("aws_sigv4: us-east-1\n"), "upstream.aws_sigv4", "map"},
      {upstreamWith("user: admin\npassword: pw\naws_sigv4: {region: us-east-1}\n"),
       "upstream.aws_sigv4", "give either AWS signing or upstream.user (basic auth), not both"},
      {upstreamWith("api_key: k\naws_sigv4: {region: us-east-1}\n"), "upstream.aws_sigv4",
       "give either AWS signing or an API key, not both"},
  });
  checkAccepted({yamlOf({.upstream = "url: https://[::1]:9200\n"}),
                 yamlOf({.upstream = "url: https://search.internal\n"}),
                 upstreamWith("user: admin\npassword: \"\"\n"),
                 upstreamWith("connect_timeout_ms: 2000\nrequest_timeout_ms: 2000\n"),
                 upstreamWith("pool_size: 1024\n")});
}

TEST_CASE("aws_sigv4 signs for a region and service, es by default", "[unit][config]") {
  const auto domain = mustParse(upstreamWith("aws_sigv4: {region: eu-west-1}\n"));
  REQUIRE(domain->upstream.aws_sigv4);
  CHECK(domain->upstream.aws_sigv4->region == "eu-west-1");
  CHECK(domain->upstream.aws_sigv4->service == "es");
  CHECK(domain->upstream.hasCredentials());  // a client's Authorization is not forwarded
  const auto serverless =
      mustParse(upstreamWith("aws_sigv4:\n    region: us-east-2\n    service: aoss\n"));
  CHECK(serverless->upstream.aws_sigv4->service == "aoss");
  CHECK_FALSE(mustParse(upstreamWith(""))->upstream.aws_sigv4);
}

TEST_CASE("a trailing slash on the upstream url is dropped", "[unit][config]") {
  CHECK(mustParse(yamlOf({.upstream = "url: http://h:9200/\n"}))->upstream.url == "http://h:9200");
}

TEST_CASE("a url with credentials is refused without repeating it", "[unit][config]") {
  const auto r = parseConfig(yamlOf({.upstream = "url: http://admin:hunter2@h:9200\n"}));
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().field == "upstream.url");
  CHECK_THAT(r.error().describe(), !Catch::Contains("hunter2"));
}

TEST_CASE("admin token rules are enforced without echoing the token", "[unit][config]") {
  checkRejected({
      {adminWith("token: short-token"), "admin.token", "at least 16 characters, got 11"},
      {adminWith("token: \"sixteen chars ok!\""), "admin.token", "printable ASCII without spaces"},
      {adminWith("token: 0123456789abcdef\ntoken_env: TOKEN"), "admin.token_env", "not both"},
      {adminWith("token_env: \"A-B\""), "admin.token_env", "environment variable name"},
      {adminWith("tokn: 0123456789abcdef"), "admin.tokn", "did you mean 'token'?"},
  });
  const auto r = parseConfig(adminWith("token: short-token"));
  REQUIRE_FALSE(r.has_value());
  CHECK_THAT(r.error().describe(), !Catch::Contains("short-token"));

  CHECK(mustParse(adminWith("token: 0123456789abcdef"))->admin.token == "0123456789abcdef");
  CHECK(mustParse(adminWith("token: \"\""))->admin.token.empty());
}

TEST_CASE("storefront list and identity rules are enforced with the field named",
          "[unit][config]") {
  const std::string second = "  - name: demo\n    indices: [other]\n    model: m.rrm\n";
  checkRejected({
      {"upstream:\n  url: http://h:9200\n", "storefronts", "is required"},
      {"upstream:\n  url: http://h:9200\nstorefronts: []\n", "storefronts", "at least one"},
      {"upstream:\n  url: http://h:9200\nstorefronts: {name: a}\n", "storefronts",
       "expected a list, got a mapping"},
      {storefrontOnly("indices: [products]\nmodel: m.rrm\n"), "storefronts[0].name", "is required"},
      {storefrontOnly("name: Demo\nindices: [products]\nmodel: m.rrm\n"), "storefronts[0].name",
       "expected [a-z0-9][a-z0-9_-]*, got 'Demo'"},
      {storefrontOnly("name: -demo\nindices: [products]\nmodel: m.rrm\n"), "storefronts[0].name",
       "expected [a-z0-9][a-z0-9_-]*"},
      {yamlOf({.after = second}), "storefronts[1].name",
       "duplicate storefront name 'demo' (also storefronts[0])"},
      {storefrontWith("enabled: maybe\n"), "storefronts[0].enabled", "expected true or false"},
      {storefrontOnly("name: a\nindices: [\"shop prod\"]\nmodel: m.rrm\n"),
       "storefronts[0].indices[0]", "expected an index name or pattern"},
      {storefrontOnly("name: a\nindices: [ok, \"a,b\"]\nmodel: m.rrm\n"),
       "storefronts[0].indices[1]", "expected an index name or pattern"},
      {storefrontOnly("name: a\nindices: products\nmodel: m.rrm\n"), "storefronts[0].indices",
       "expected a list, got 'products'"},
      {storefrontOnly("name: a\nmodel: m.rrm\n"), "storefronts[0].indices", "give indices, host"},
      {storefrontOnly("name: a\nindices: []\nmodel: m.rrm\n"), "storefronts[0].indices",
       "give indices, host"},
      {storefrontWith("host: shop.example.com:8080\n"), "storefronts[0].host", "without a port"},
      {storefrontWith("host: \"\"\n"), "storefronts[0].host", "without a port"},
      {yamlOf({.more = "host: Shop.Example.com\n",
               .after = "  - name: b\n    host: shop.example.COM\n    sync_index: b\n"
                        "    model: b.rrm\n"}),
       "storefronts[1].host", "'shop.example.com' is already used by storefronts[0]"},
      {storefrontOnly("name: a\nindices: [products]\n"), "storefronts[0].model", "is required"},
      {storefrontOnly("name: a\nindices: [products]\nmodel: \"\"\n"), "storefronts[0].model",
       "expected a model file path"},
      {storefrontWith("sync_index: \"shop-*\"\n"), "storefronts[0].sync_index",
       "plain index name"},
      {storefrontOnly("name: a\nindices: [\"shop-*\", products]\nmodel: m.rrm\n"),
       "storefronts[0].sync_index", "indices[0] ('shop-*') is a pattern"},
      {storefrontOnly("name: a\nhost: shop.example\nmodel: m.rrm\n"), "storefronts[0].sync_index",
       "required when no indices are given"},
      {storefrontWith("page_consistency_s: -1\n"), "storefronts[0].page_consistency_s", "0..86400"},
      {storefrontWith("page_consistency_s: 86401\n"), "storefronts[0].page_consistency_s",
       "0..86400"},
      {storefrontWith("live_click_stats: yes\n"), "storefronts[0].live_click_stats",
       "true or false"},
  });
  checkAccepted({storefrontOnly("name: 0-shop_a\nhost: shop.example\nsync_index: p\nmodel: m\n"),
                 storefrontWith("page_consistency_s: 0\n"),
                 storefrontOnly("name: a\nindices: [\"Shop-*.v1_x\"]\nsync_index: s\nmodel: m\n")});
}

TEST_CASE("live click statistics are on unless a storefront turns them off", "[unit][config]") {
  CHECK(mustParse(storefrontWith(""))->storefronts[0].live_click_stats);
  CHECK_FALSE(mustParse(storefrontWith("live_click_stats: false\n"))->storefronts[0].live_click_stats);
}

TEST_CASE("storefront hosts are stored lower case", "[unit][config]") {
  CHECK(mustParse(storefrontWith("host: Shop.Example.COM\n"))->storefronts[0].host ==
        "shop.example.com");
}

TEST_CASE("window and deadline out of range are refused with their field", "[unit][config]") {
  checkRejected({
      {storefrontWith("window: 0\n"), "storefronts[0].window", "must be 1..1000, got 0"},
      {storefrontWith("window: 1001\n"), "storefronts[0].window", "must be 1..1000, got 1001"},
      {storefrontWith("window: abc\n"), "storefronts[0].window", "expected an integer, got 'abc'"},
      {storefrontWith("deadline_ms: 0\n"), "storefronts[0].deadline_ms", "1..60000"},
      {storefrontWith("deadline_ms: 60001\n"), "storefronts[0].deadline_ms", "1..60000"},
  });
  checkAccepted({storefrontWith("window: 1\n"), storefrontWith("window: 1000\n"),
                 storefrontWith("deadline_ms: 60000\n")});
}

TEST_CASE("user and session ids need exactly one valid source", "[unit][config]") {
  checkRejected({
      {storefrontWith("user_id: {header: X-User, cookie: uid}\n"), "storefronts[0].user_id.cookie",
       "exactly one of header, cookie, body"},
      {storefrontWith("user_id: {}\n"), "storefronts[0].user_id", "needs one of header, cookie"},
      {storefrontWith("user_id:\n"), "storefronts[0].user_id", "needs one of header, cookie"},
      {storefrontWith("user_id: X-User-Id\n"), "storefronts[0].user_id",
       "expected a mapping with one of header, cookie, body"},
      {storefrontWith("user_id: {header: \"X User\"}\n"), "storefronts[0].user_id.header",
       "expected a name of letters"},
      {storefrontWith("session_id: {query: sid}\n"), "storefronts[0].session_id.query",
       "unknown key"},
      {storefrontWith("session_id: {body: \"\"}\n"), "storefronts[0].session_id.body",
       "expected a name of letters"},
      {storefrontWith("session_id: {cookie: [a]}\n"), "storefronts[0].session_id.cookie",
       "expected a string, got a list"},
  });
  const auto c = mustParse(storefrontWith("user_id: {cookie: uid}\nsession_id: {body: sess}\n"));
  CHECK(c->storefronts[0].user_id.kind == IdSource::Kind::kCookie);
  CHECK(c->storefronts[0].user_id.name == "uid");
  CHECK(c->storefronts[0].session_id.kind == IdSource::Kind::kBody);
  CHECK(c->storefronts[0].session_id.name == "sess");
}

TEST_CASE("field names, vector and extra candidate settings are checked", "[unit][config]") {
  checkRejected({
      {storefrontWith("fields: {title: \"\"}\n"), "storefronts[0].fields.title",
       "expected a field name"},
      {storefrontWith("fields: {brand: \"brand name\"}\n"), "storefronts[0].fields.brand",
       "no spaces"},
      {storefrontWith("fields: {colour: c}\n"), "storefronts[0].fields.colour", "unknown key"},
      {storefrontWith("fields: [title]\n"), "storefronts[0].fields", "expected a mapping"},
      {storefrontWith("vector: {field: Vec}\n"), "storefronts[0].vector.field",
       "[a-z][a-z0-9_]* of at most 48"},
      {storefrontWith("vector: {field: 1vec}\n"), "storefronts[0].vector.field", "[a-z][a-z0-9_]*"},
      {storefrontWith("vector: {field: " + std::string(49, 'v') + "}\n"),
       "storefronts[0].vector.field", "at most 48"},
      {storefrontWith("vector: {mode: faiss}\n"), "storefronts[0].vector.mode",
       "must be auto, knn or stored, got 'faiss'"},
      {storefrontWith("extra_candidates: {k: 0}\n"), "storefronts[0].extra_candidates.k", "1..200"},
      {storefrontWith("extra_candidates: {k: 201}\n"), "storefronts[0].extra_candidates.k",
       "1..200"},
      {storefrontWith("extra_candidates: {enabled: 1}\n"),
       "storefronts[0].extra_candidates.enabled", "expected true or false"},
  });
  const auto c = mustParse(storefrontWith(
      "fields: {id: sku, price: sale_price}\nvector: {field: " + std::string(48, 'v') +
      ", mode: stored}\nextra_candidates: {enabled: true, k: 200}\n"));
  const StorefrontConfig& s = c->storefronts[0];
  CHECK(s.fields.id == "sku");
  CHECK(s.fields.title == "title");
  CHECK(s.fields.price == "sale_price");
  CHECK(s.fields.brand.empty());
  CHECK(s.vector.field == std::string(48, 'v'));
  CHECK(s.vector.mode == VectorConfig::Mode::kStored);
  CHECK(mustParse(storefrontWith("vector: {mode: knn}\n"))->storefronts[0].vector.mode ==
        VectorConfig::Mode::kKnn);
  CHECK(s.extra_candidates.enabled);
  CHECK(s.extra_candidates.k == 200);
  CHECK_FALSE(s.extra_candidates.on_empty);
  CHECK(mustParse(storefrontWith("extra_candidates: {enabled: true, on_empty: true}\n"))
            ->storefronts[0]
            .extra_candidates.on_empty);
}

TEST_CASE("passthrough rules must be a method and a path pattern", "[unit][config]") {
  checkRejected({
      {storefrontWith("passthrough: [\"GET\"]\n"), "storefronts[0].passthrough[0]",
       "expected \"METHOD /path\""},
      {storefrontWith("passthrough: [\"GET /\", \"PATCH /x\"]\n"), "storefronts[0].passthrough[1]",
       "method must be GET, POST, PUT, DELETE, HEAD or *"},
      {storefrontWith("passthrough: [\"GET _search\"]\n"), "storefronts[0].passthrough[0]",
       "must start with '/'"},
      {storefrontWith("passthrough: [\"GET /**/_search\"]\n"), "storefronts[0].passthrough[0]",
       "'**' is only allowed as the last segment"},
      {storefrontWith("passthrough: [\"GET /logs*/_search\"]\n"), "storefronts[0].passthrough[0]",
       "'*' must be a whole segment"},
      {storefrontWith("passthrough: [\"GET /a//b\"]\n"), "storefronts[0].passthrough[0]",
       "empty segment"},
      {storefrontWith("passthrough: [\"GET /_search?q=1\"]\n"), "storefronts[0].passthrough[0]",
       "no spaces, query"},
      {storefrontWith("passthrough: [\"GET /a b\"]\n"), "storefronts[0].passthrough[0]",
       "no spaces, query"},
      {storefrontWith("passthrough: \"GET /\"\n"), "storefronts[0].passthrough", "expected a list"},
  });
  const auto c = mustParse(storefrontWith("passthrough: [\"get /_cat/**\", \"*  /*/_count\"]\n"));
  CHECK(sameRules(c->storefronts[0].passthrough, {{"GET", "/_cat/**"}, {"*", "/*/_count"}}));
}

TEST_CASE("an empty passthrough list allows nothing while an absent one allows the defaults",
          "[unit][config]") {
  CHECK(mustParse(storefrontWith("passthrough: []\n"))->storefronts[0].passthrough.empty());
  CHECK(sameRules(mustParse(storefrontWith(""))->storefronts[0].passthrough,
                  defaultPassthrough()));
}

TEST_CASE("sync settings out of range are refused with their field", "[unit][config]") {
  checkRejected({
      {storefrontWith("sync: {batch_size: 0}\n"), "storefronts[0].sync.batch_size", "1..10000"},
      {storefrontWith("sync: {batch_size: 10001}\n"), "storefronts[0].sync.batch_size",
       "1..10000"},
      {storefrontWith("sync: {concurrency: 0}\n"), "storefronts[0].sync.concurrency", "1..64"},
      {storefrontWith("sync: {concurrency: 65}\n"), "storefronts[0].sync.concurrency", "1..64"},
      {storefrontWith("sync: {page_size: 0}\n"), "storefronts[0].sync.page_size", "1..10000"},
      {storefrontWith("sync: {page_size: 10001}\n"), "storefronts[0].sync.page_size", "1..10000"},
      {storefrontWith("sync: {interval_s: 0}\n"), "storefronts[0].sync.interval_s", "1..86400"},
      {storefrontWith("sync: {interval_s: 86401}\n"), "storefronts[0].sync.interval_s",
       "1..86400"},
  });
  const auto c = mustParse(
      storefrontWith("sync: {batch_size: 10000, concurrency: 64, page_size: 1, "
                     "interval_s: 86400}\n"));
  CHECK(c->storefronts[0].sync.batch_size == 10000);
  CHECK(c->storefronts[0].sync.concurrency == 64);
  CHECK(c->storefronts[0].sync.page_size == 1);
  CHECK(c->storefronts[0].sync.interval == 86400s);
}

TEST_CASE("profile store settings: defaults, ranges and a relative dir", "[unit][config]") {
  const auto defaults = mustParse(yamlOf({}));
  CHECK(defaults->profiles.dir == "/var/lib/rerank/profiles");
  CHECK(defaults->profiles.durable);
  CHECK(defaults->profiles.max_users == 100000);
  CHECK(defaults->profiles.max_events_per_user == 50);
  CHECK(defaults->profiles.retention_days == 90);
  CHECK(defaults->profiles.snapshot_every == 10000);
  const auto c = mustParse("profiles:\n  dir: state/profiles\n  durable: false\n"
                           "  max_users: 5\n  max_events_per_user: 7\n  retention_days: 0\n"
                           "  snapshot_every: 1\n" + yamlOf({}),
                           "/srv/rerank");
  CHECK(c->profiles.dir == "/srv/rerank/state/profiles");
  CHECK_FALSE(c->profiles.durable);
  CHECK(c->profiles.max_users == 5);
  CHECK(c->profiles.max_events_per_user == 7);
  CHECK(c->profiles.retention_days == 0);
  CHECK(c->profiles.snapshot_every == 1);
  CHECK(defaults->profiles.store == ProfilesConfig::Store::kEmbedded);
  const auto shared = mustParse("profiles:\n  store: shared\n  index: shop-profiles\n" + yamlOf({}));
  CHECK(shared->profiles.store == ProfilesConfig::Store::kShared);
  CHECK(shared->profiles.index == "shop-profiles");
  checkRejected({
      {"profiles:\n  store: redis\n" + yamlOf({}), "profiles.store", "embedded or shared"},
      {"profiles:\n  index: \"Bad Index\"\n" + yamlOf({}), "profiles.index", "index name"},
      {"profiles:\n  dir: \"\"\n" + yamlOf({}), "profiles.dir", "durable: false"},
      {"profiles:\n  max_users: 0\n" + yamlOf({}), "profiles.max_users", "1.."},
      {"profiles:\n  max_events_per_user: 10001\n" + yamlOf({}),
       "profiles.max_events_per_user", "1..10000"},
      {"profiles:\n  retention_days: -1\n" + yamlOf({}), "profiles.retention_days", "0..36500"},
      {"profiles:\n  snapshot_every: 0\n" + yamlOf({}), "profiles.snapshot_every", "1.."},
      {"profiles:\n  durable: yes\n" + yamlOf({}), "profiles.durable", ""},
      {"profiles:\n  dri: x\n" + yamlOf({}), "profiles.dri", "dir"},
  });
}
