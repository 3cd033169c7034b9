// How to reach one search-engine cluster.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace rr::connectors {

class AwsCredentialSource;  // connectors/aws_sigv4.h

// AWS Signature Version 4 on every request (connectors/aws_sigv4.h).
struct SigV4Options {
  std::string region;
  std::string service;  // "es" or "aoss"
  std::shared_ptr<AwsCredentialSource> credentials;
};

struct BasicAuth {
  std::string user;
  std::string password;
};

struct TlsOptions {
  std::string ca_file;  // empty: the system's CA store
  bool verify = true;   // verify peer and host; off only for local testing
  // A client certificate (PEM, with its chain) and its unencrypted PEM key,
  // for an engine that requires one; both or neither.
  std::string cert_file;
  std::string key_file;
};

// Retries apply only to failures that are safe to repeat: connect errors and
// HTTP 429, 502, 503. Backoff is exponential with full jitter, and never
// extends past the request's deadline.
struct RetryPolicy {
  int max_attempts = 3;  // 1 = no retry
  std::chrono::milliseconds base_backoff{25};
  std::chrono::milliseconds max_backoff{1000};
};

struct ClientOptions {
  std::string url;  // e.g. "http://127.0.0.1:9200", no trailing path
  // Every node of the cluster (connectors/node_set.h), `url` among them;
  // empty: `url` alone.
  std::vector<std::string> urls;
  std::optional<BasicAuth> auth;
  // Or an API key: `Authorization: ApiKey <api_key>` on every request.
  std::optional<std::string> api_key;
  // Or requests signed for AWS (no Authorization of the caller's is sent).
  std::optional<SigV4Options> sigv4;
  TlsOptions tls;
  std::chrono::milliseconds connect_timeout{1000};
  std::chrono::milliseconds request_timeout{30000};  // default deadline
  RetryPolicy retry;
  std::size_t pool_size = 16;  // idle connections kept for reuse
  std::string user_agent = "rerank/0.1";
};

}  // namespace rr::connectors
