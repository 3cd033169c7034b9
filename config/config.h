// The rerankd / index-sync configuration: one YAML file, parsed and validated
// once into an immutable Config that is shared read-only
// (std::shared_ptr<const Config>) and swapped whole on reload.
//
// Loading never throws: loadConfig / parseConfig return the first problem as
// a ConfigError naming the field by its YAML path ("storefronts[1].window")
// and, when known, the line. Code that receives a Config may rely on every
// invariant documented here; it never re-validates.
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rr::config {

struct ConfigError {
  std::string field;    // YAML path of the offending field, e.g. "upstream.url"
  std::string message;  // what is wrong and what is expected
  int line = 0;         // 1-based line in the file, 0 when unknown
  std::string file;     // the file, when loaded from one

  // "rerankd.yaml:12: storefronts[0].window: must be 1..1000, got 5000";
  // without a file "line 12: ..."; empty parts (and line 0) are left out.
  std::string describe() const;
};

template <typename T>
using ConfigResult = std::expected<T, ConfigError>;

struct ListenConfig {
  std::string address = "127.0.0.1";  // IPv4/IPv6 literal or hostname
  uint16_t port = 9400;               // 0: any free port
  int threads = 2;                    // io threads, >= 1
  int max_connections = 1024;         // >= 1
  std::chrono::milliseconds idle_timeout{30000};
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_body_bytes = 10 * 1024 * 1024;
  std::chrono::milliseconds drain_timeout{10000};  // graceful stop on SIGTERM
};

struct UpstreamConfig {
  std::string url;  // required, http(s)://host[:port], trailing '/' dropped; urls[0]
  // Every node of the engine, in the config's order: `url` alone, or the
  // list `url` was given as (one scheme for all, no repeats). Requests go
  // round-robin over the nodes that answer (connectors/node_set.h).
  std::vector<std::string> urls;
  // urls, or {url} for a config built in code with `url` alone.
  std::vector<std::string> nodes() const { return urls.empty() ? std::vector{url} : urls; }
  std::optional<std::string> user;      // basic auth user
  std::optional<std::string> password;  // or password_env: the variable's value
  // Or an API key (or api_key_env), sent as `Authorization: ApiKey <key>`:
  // the encoded key Elasticsearch returns, base64 of "id:key".
  std::optional<std::string> api_key;
  std::string ca_file;  // TLS CA bundle (resolved like `model`, exists); empty: system store
  bool tls_verify = true;
  // A client certificate (PEM, with its chain) and its private key (PEM,
  // unencrypted) for an engine that requires one; both or neither.
  std::string client_cert;
  std::string client_key;
  std::chrono::milliseconds connect_timeout{1000};
  std::chrono::milliseconds request_timeout{30000};
  int pool_size = 16;  // kept-alive connections, >= 1
  // rerankd asks the cluster for its nodes (`GET /_nodes/http`) at start and
  // every `discover_interval`, and sends to those as well as to `urls`
  // (rerank/node_discovery.h). Not with aws_sigv4.
  bool discover_nodes = false;
  std::chrono::seconds discover_interval{300};
  // Or AWS Signature Version 4 (an Amazon OpenSearch Service domain, or
  // OpenSearch Serverless): every request signed for `region` and
  // `service`, with credentials from the environment, a web identity, the
  // shared credentials file, the container role or the instance role
  // (connectors/aws_credentials.h); not with user or api_key.
  struct AwsSigV4 {
    std::string region;
    std::string service = "es";  // "es" (a domain) or "aoss" (Serverless)
    bool operator==(const AwsSigV4&) const = default;
  };
  std::optional<AwsSigV4> aws_sigv4;

  // Every field alike (rerankd makes its engine clients again after a
  // reload that changes any).
  bool operator==(const UpstreamConfig&) const = default;

  // Whether rerankd sends credentials of its own (then a client's
  // Authorization header is not forwarded).
  bool hasCredentials() const {
    return user.has_value() || api_key.has_value() || aws_sigv4.has_value();
  }
};

// Where a request's user or session id comes from. Exactly one source.
struct IdSource {
  enum class Kind { kNone, kHeader, kCookie, kBody };
  Kind kind = Kind::kNone;
  // kHeader: header name (case-insensitive); kCookie: cookie name;
  // kBody: the key under `ext.rerank` in the search body (stripped before
  // the request is forwarded), e.g. "user_id".
  std::string name;
};

// Which product fields the model reads (names in the engine's `_source`).
struct FieldMap {
  std::string id = "_id";  // "_id" or a `_source` field holding the item id
  std::string title = "title";
  std::string description;  // optional
  std::string brand;        // optional
  std::string category;     // optional
  std::string price;        // optional, numeric
  std::string updated_at;   // optional; enables incremental sync by time
};

struct VectorConfig {
  // Base name of the vector fields index-sync writes; each model version gets
  // its own fields derived from it. [a-z0-9_], starting with a letter.
  std::string field = "rr_vector";
  // auto: knn_vector when the k-NN plugin is installed, else stored only.
  enum class Mode { kAuto, kKnn, kStored };
  Mode mode = Mode::kAuto;
};

struct ExtraCandidates {
  bool enabled = false;
  int k = 20;  // nearest items by the model's query/user vector, 1..200
  // Also when the engine finds nothing: the page is then all extra
  // candidates while `hits.total` stays the engine's 0.
  bool on_empty = false;
  // Up to this many items shoppers clicked for the same query in the
  // training log (the model file's lists), added as training adds them;
  // 0..100, 0: none. Independent of `enabled` (which is the k-NN search).
  int clicked = 10;
};

// One allowed passthrough API: a method and a path pattern where `*`
// matches one path segment and a trailing `**` any rest, e.g.
// {"GET", "/_cat/**"} or {"POST", "/*/_count"}.
struct ApiRule {
  std::string method;  // upper case, or "*"
  std::string path;
};

struct SyncConfig {
  int batch_size = 500;   // documents per bulk request, 1..10000
  int concurrency = 2;    // bulk requests in flight, 1..64
  int page_size = 1000;   // scan page, 1..10000
  std::chrono::seconds interval{60};  // watch mode
};

// A/B split by a hash of the user id: treatment is reranked, control gets
// the engine's order through the same path (same fetch, same recording).
struct AbTestConfig {
  int treatment_percent = 100;  // 0..100
  std::string salt;             // changes which users fall in which bucket
};

struct StorefrontConfig {
  std::string name;  // unique, [a-z0-9_-]
  bool enabled = true;
  // Index names or patterns (`*` wildcard) it owns; a `_search` on one of
  // them (and only them) takes the rerank path. At least one of indices/host.
  std::vector<std::string> indices;
  std::string host;  // Host header (without port, lower case) that selects it, optional
  int window = 100;  // candidates fetched and reranked, 1..1000
  std::chrono::milliseconds deadline{50};  // rerank budget, then fail open
  IdSource user_id{IdSource::Kind::kHeader, "X-User-Id"};
  IdSource session_id{IdSource::Kind::kHeader, "X-Session-Id"};
  // Model file path; a relative one is resolved against the config file's
  // directory (parseConfig: base_dir) when loading. Existence is not checked.
  std::string model;
  // The index index-sync writes to; defaults to indices[0] when that is a
  // plain name.
  std::string sync_index;
  FieldMap fields;
  VectorConfig vector;
  ExtraCandidates extra_candidates;
  AbTestConfig ab_test;
  // Key absent: defaultPassthrough(); an explicit empty list allows nothing.
  std::vector<ApiRule> passthrough;
  std::chrono::seconds page_consistency{300};  // pages 2+ reuse page 1's order
  // Clicks sent to the events API with their query join the model's click
  // statistics as they arrive (rerank/live_stats.h); false: the model's as trained.
  bool live_click_stats = true;
  SyncConfig sync;
};

struct AdminConfig {
  std::string token;  // required for admin endpoints; token_env also accepted
};

// Shoppers' profiles (the events API's store). Read once at start: a reload
// keeps the store it has.
struct ProfilesConfig {
  // embedded: in this rerankd (memory + `dir`); shared: in an engine index
  // (`index`) that several replicas read and write.
  enum class Store { kEmbedded, kShared };
  Store store = Store::kEmbedded;
  std::string index = "rerank-profiles";  // shared store only
  // Write-ahead log and snapshots live here (one rerankd per directory).
  // A relative path resolves against the config file's directory.
  std::string dir = "/var/lib/rerank/profiles";
  bool durable = true;          // false: memory only, a restart forgets every event
  int max_users = 100000;       // per rerankd, least recently updated dropped first
  int max_events_per_user = 50; // the newest are kept
  int retention_days = 90;      // older events are neither used nor kept; 0: no limit
  int snapshot_every = 10000;   // WAL records between snapshots
};

// What rerankd served (impressions) and the events it received, as JSON
// lines in daily files: the log `rerank-eval --online` and `rerank-train`
// read.
struct ActivityLogConfig {
  bool enabled = true;
  std::string dir = "/var/lib/rerank/activity";  // relative: to the config file
};

struct Config {
  std::string source_file;  // where it was loaded from, "" for a string
  ListenConfig listen;
  UpstreamConfig upstream;
  AdminConfig admin;
  ProfilesConfig profiles;
  ActivityLogConfig activity_log;
  std::vector<StorefrontConfig> storefronts;  // at least one, unique names

  // The storefront called `name`, or nullptr. The pointer lives as long as
  // this Config.
  const StorefrontConfig* storefront(std::string_view name) const;
};

// The read-only search APIs allowed through when a storefront's config has
// no `passthrough` key: GET and HEAD `/`; GET/POST `/_search`, `/*/_search`,
// `/_msearch`, `/*/_msearch`, `/_count`, `/*/_count`, `/_mget`, `/*/_mget`,
// `/_search/scroll`; DELETE `/_search/scroll`; POST `/*/_search/point_in_time`;
// DELETE `/_search/point_in_time`; GET `/*/_doc/*`. Nothing that writes, and
// nothing that clears every scroll or PIT at once (`.../_all`).
std::vector<ApiRule> defaultPassthrough();

// True when a request with `method` and `path` is allowed by `rule`.
// `rule.method` "*" matches any method, otherwise the method must be equal
// (HTTP methods are case-sensitive; a GET rule does not allow HEAD).
// `path` is the request target; anything from '?' on is ignored, and a single
// trailing '/' is ignored on both sides. A `*` segment matches one non-empty
// segment; a trailing `**` matches zero or more segments (so "/_cat/**"
// allows "/_cat" too). A path with a "." or ".." segment (also
// percent-encoded) never matches: the engine could resolve it to another API.
// Pure and thread-safe.
bool matchesApiRule(const ApiRule& rule, std::string_view method, std::string_view path);

// True when `index` matches `pattern`, where each '*' matches any run of
// characters (also none) and every other character only itself (case-
// sensitive, like index names). One name, not a comma list: callers split
// multi-target requests first. Pure and thread-safe.
bool matchesIndexPattern(std::string_view pattern, std::string_view index);

// Parses YAML text. `base_dir` resolves relative `model` and
// `upstream.ca_file` paths. Never throws. Returns the first problem in
// document order; rules that relate several keys of one section (a password
// for the user, request >= connect timeout, a storefront's required keys) are
// checked when that section ends. `*_env` keys read the environment
// (std::getenv): do not call concurrently with setenv. Error messages never
// contain a password or token.
ConfigResult<std::shared_ptr<const Config>> parseConfig(std::string_view yaml,
                                                        std::string_view base_dir = ".");
// Reads and parses a file; relative paths in it resolve against the file's
// directory (made absolute). Errors carry `file` = `path`; an unreadable
// file is an error with field "" and line 0.
ConfigResult<std::shared_ptr<const Config>> loadConfig(const std::string& path);

}  // namespace rr::config
