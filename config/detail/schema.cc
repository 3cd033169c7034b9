#include "config/detail/schema.h"

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>
#include <utility>

#include "config/detail/rules.h"
#include "config/detail/storefront_schema.h"

namespace rr::config::detail {
namespace {

// The file's first 16 MiB ("" when it cannot be read).
std::string readHead(const std::string& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) return "";
  std::ifstream in(path, std::ios::binary);
  std::string text;
  text.resize(static_cast<std::size_t>(std::min<std::uintmax_t>(size, 16u << 20)));
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  return text;
}

// The PEM files of `upstream` (ca_file, client_cert, client_key): resolved
// like `model`, a regular file, holding what both engine clients will read.
// A file without it would fail every https call, so it fails here instead.
enum class Pem { kCertificate, kPrivateKey };

bool readPemFile(Reader& r, const Field& x, std::string_view baseDir, Pem kind,
                 std::string& out) {
  std::string value;
  if (!r.readString(x, value)) return false;
  if (value.empty()) {
    return r.fail(x, kind == Pem::kCertificate && x.path.ends_with("ca_file")
                         ? "must not be empty (omit it for the system store)"
                         : "must not be empty");
  }
  const std::string resolved = resolvePath(baseDir, value);
  std::error_code ec;
  const auto status = std::filesystem::status(resolved, ec);
  if (!std::filesystem::exists(status)) return r.fail(x, "file not found: " + resolved);
  if (!std::filesystem::is_regular_file(status)) {
    return r.fail(x, "not a regular file: " + resolved);
  }
  const std::string text = readHead(resolved);
  if (kind == Pem::kCertificate) {
    if (text.find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
      return r.fail(x, "no PEM certificate (-----BEGIN CERTIFICATE-----) in " + resolved);
    }
  } else {
    if (text.find("PRIVATE KEY-----") == std::string::npos) {
      return r.fail(x, "no PEM private key (-----BEGIN ... PRIVATE KEY-----) in " + resolved);
    }
    // Neither client can ask for a passphrase.
    if (text.find("ENCRYPTED PRIVATE KEY") != std::string::npos ||
        text.find("Proc-Type: 4,ENCRYPTED") != std::string::npos) {
      return r.fail(x, "the private key in " + resolved +
                           " is encrypted; give an unencrypted key (openssl pkey -in KEY -out "
                           "PLAIN)");
    }
  }
  out = resolved;
  return true;
}

// `*_env: NAME`: the variable's value. Never echoes the value.
bool readEnv(Reader& r, const Field& f, std::string& out) {
  std::string name;
  if (!r.readString(f, name, isEnvName,
                    "expected an environment variable name ([A-Za-z_][A-Za-z0-9_]*)")) {
    return false;
  }
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) return r.fail(f, "environment variable " + name + " is not set");
  out = value;
  return true;
}

bool readListen(Reader& r, const Field& f, ListenConfig& l) {
  return r.readMap(
      f, {
             {"address",
              [&](const Field& x) {
                return r.readString(x, l.address, isFieldName,
                                    "expected a host name or IP address");
              }},
             {"port", [&](const Field& x) { return r.readInt(x, 0, 65535, l.port); }},
             {"threads", [&](const Field& x) { return r.readInt(x, 1, 256, l.threads); }},
             {"max_connections",
              [&](const Field& x) { return r.readInt(x, 1, INT_MAX, l.max_connections); }},
             {"idle_timeout_ms",
              [&](const Field& x) { return r.readMillis(x, 1, 86'400'000, l.idle_timeout); }},
             {"max_header_bytes",
              [&](const Field& x) { return r.readInt(x, 1024, 1'048'576, l.max_header_bytes); }},
             {"max_body_bytes",
              [&](const Field& x) {
                return r.readInt(x, 1024, 1'073'741'824, l.max_body_bytes);
              }},
             {"drain_timeout_ms",
              [&](const Field& x) { return r.readMillis(x, 0, 3'600'000, l.drain_timeout); }},
         });
}

bool readUpstream(Reader& r, const Field& f, std::string_view baseDir, UpstreamConfig& u) {
  bool hasUrl = false;
  std::string passwordPath;  // "upstream.password" or "upstream.password_env", once given
  int passwordLine = 0;
  int userLine = 0;
  int requestLine = f.line;
  int discoverLine = f.line;
  const auto readPassword = [&](const Field& x, bool fromEnv) {
    if (!passwordPath.empty()) return r.fail(x, "give either password or password_env, not both");
    std::string value;
    if (!(fromEnv ? readEnv(r, x, value) : r.readString(x, value))) return false;
    u.password = std::move(value);
    passwordPath = x.path;
    passwordLine = x.line;
    return true;
  };
  std::string apiKeyPath;  // "upstream.api_key" or "upstream.api_key_env", once given
  int apiKeyLine = 0;
  const auto readApiKey = [&](const Field& x, bool fromEnv) {
    if (!apiKeyPath.empty()) return r.fail(x, "give either api_key or api_key_env, not both");
    std::string value;
    if (!(fromEnv ? readEnv(r, x, value) : r.readString(x, value))) return false;
    // It goes into a header as it is; never echoed.
    if (value.empty() || !isVisibleAscii(value)) {
      return r.fail(x, fromEnv ? "environment variable " + x.node.Scalar() +
                                     " must hold the encoded key (printable, no spaces)"
                               : "expected the encoded key (printable, no spaces)");
    }
    u.api_key = std::move(value);
    apiKeyPath = x.path;
    apiKeyLine = x.line;
    return true;
  };
  int certLine = 0;
  int keyLine = 0;
  int sigv4Line = 0;
  const auto readSigV4 = [&](const Field& x) {
    sigv4Line = x.line;
    UpstreamConfig::AwsSigV4 sig;
    bool hasRegion = false;
    const bool read = r.readMap(
        x, {
               {"region",
                [&](const Field& y) {
                  if (!r.readString(y, sig.region)) return false;
                  // A region name: it goes into the signature's scope.
                  const bool valid =
                      !sig.region.empty() && std::all_of(sig.region.begin(), sig.region.end(), [](char c) {
                        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
                      });
                  if (!valid) return r.fail(y, "expected an AWS region such as us-east-1");
                  hasRegion = true;
                  return true;
                }},
               {"service",
                [&](const Field& y) {
                  if (!r.readString(y, sig.service)) return false;
                  if (sig.service != "es" && sig.service != "aoss") {
                    return r.fail(y, "expected es (an OpenSearch Service domain) or aoss "
                                     "(OpenSearch Serverless), got " + describeNode(y.node));
                  }
                  return true;
                }},
           });
    if (!read) return false;
    if (!hasRegion) return r.fail(childPath(x.path, "region"), x.line, "is required");
    u.aws_sigv4 = std::move(sig);
    return true;
  };
  const bool ok = r.readMap(
      f, {
             {"url",
              [&](const Field& x) {
                // One node (a string) or several (a list of them).
                const auto readOne = [&](const Field& one) {
                  std::string value;
                  if (!r.readString(one, value)) return false;
                  if (std::string why = checkUpstreamUrl(value); !why.empty()) {
                    return r.fail(one, why);
                  }
                  std::string node(trimTrailingSlashes(value));
                  if (std::find(u.urls.begin(), u.urls.end(), node) != u.urls.end()) {
                    return r.fail(one, "lists " + node + " twice");
                  }
                  if (!u.urls.empty() &&
                      node.starts_with("https://") != u.urls.front().starts_with("https://")) {
                    return r.fail(one, "must use the same scheme as " + u.urls.front() +
                                           " (one TLS setting for every node)");
                  }
                  u.urls.push_back(std::move(node));
                  return true;
                };
                u.urls.clear();
                if (x.node.IsSequence()) {
                  if (x.node.size() == 0) return r.fail(x, "expected at least one node URL");
                  if (!r.readList(x, readOne)) return false;
                } else if (!readOne(x)) {
                  return false;
                }
                u.url = u.urls.front();
                hasUrl = true;
                return true;
              }},
             {"user",
              [&](const Field& x) {
                std::string value;
                if (!r.readString(x, value)) return false;
                // Basic auth joins user and password with ':'.
                if (value.empty() || !isVisibleAscii(value) || value.find(':') != value.npos) {
                  return r.fail(x, "expected a user name without spaces or ':', got " +
                                       describeNode(x.node));
                }
                u.user = std::move(value);
                userLine = x.line;
                return true;
              }},
             {"password", [&](const Field& x) { return readPassword(x, false); }},
             {"password_env", [&](const Field& x) { return readPassword(x, true); }},
             {"api_key", [&](const Field& x) { return readApiKey(x, false); }},
             {"api_key_env", [&](const Field& x) { return readApiKey(x, true); }},
             {"ca_file",
              [&](const Field& x) {
                return readPemFile(r, x, baseDir, Pem::kCertificate, u.ca_file);
              }},
             {"client_cert",
              [&](const Field& x) {
                certLine = x.line;
                return readPemFile(r, x, baseDir, Pem::kCertificate, u.client_cert);
              }},
             {"client_key",
              [&](const Field& x) {
                keyLine = x.line;
                return readPemFile(r, x, baseDir, Pem::kPrivateKey, u.client_key);
              }},
             {"tls_verify", [&](const Field& x) { return r.readBool(x, u.tls_verify); }},
             {"connect_timeout_ms",
              [&](const Field& x) { return r.readMillis(x, 1, 600'000, u.connect_timeout); }},
             {"request_timeout_ms",
              [&](const Field& x) {
                requestLine = x.line;
                return r.readMillis(x, 1, 3'600'000, u.request_timeout);
              }},
             {"pool_size", [&](const Field& x) { return r.readInt(x, 1, 1024, u.pool_size); }},
             {"discover_nodes",
              [&](const Field& x) {
                discoverLine = x.line;
                return r.readBool(x, u.discover_nodes);
              }},
             {"discover_interval_s",
              [&](const Field& x) {
                int seconds = 0;
                if (!r.readInt(x, 10, 86'400, seconds)) return false;
                u.discover_interval = std::chrono::seconds(seconds);
                return true;
              }},
             {"aws_sigv4", readSigV4},
         });
  if (!ok) return false;
  if (!hasUrl) return r.fail(childPath(f.path, "url"), f.line, "is required");
  if (u.user && !u.password) {
    return r.fail(childPath(f.path, "password"), userLine,
                  "is required when upstream.user is given (password or password_env)");
  }
  if (u.password && !u.user) {
    return r.fail(passwordPath, passwordLine, "given without upstream.user");
  }
  if (u.api_key && u.user) {
    return r.fail(apiKeyPath, apiKeyLine,
                  "give either upstream.user (basic auth) or an API key, not both");
  }
  if (u.aws_sigv4 && (u.user || u.api_key)) {
    return r.fail(childPath(f.path, "aws_sigv4"), sigv4Line,
                  std::string("give either AWS signing or ") +
                      (u.user ? "upstream.user (basic auth)" : "an API key") + ", not both");
  }
  if (!u.client_cert.empty() && u.client_key.empty()) {
    return r.fail(childPath(f.path, "client_key"), certLine,
                  "is required when upstream.client_cert is given");
  }
  if (!u.client_key.empty() && u.client_cert.empty()) {
    return r.fail(childPath(f.path, "client_cert"), keyLine,
                  "is required when upstream.client_key is given");
  }
  if (!u.client_cert.empty() && !u.url.starts_with("https://")) {
    return r.fail(childPath(f.path, "client_cert"), certLine,
                  "needs an https upstream.url (a client certificate is only sent over TLS)");
  }
  if (u.discover_nodes && u.aws_sigv4) {
    return r.fail(childPath(f.path, "discover_nodes"), discoverLine,
                  "not with aws_sigv4: a managed domain's nodes are reached through its endpoint");
  }
  if (u.request_timeout < u.connect_timeout) {
    return r.fail(childPath(f.path, "request_timeout_ms"), requestLine,
                  "must be >= connect_timeout_ms (" + std::to_string(u.connect_timeout.count()) +
                      "), got " + std::to_string(u.request_timeout.count()));
  }
  return true;
}

bool readAdmin(Reader& r, const Field& f, AdminConfig& a) {
  bool given = false;
  const auto readToken = [&](const Field& x, bool fromEnv) {
    if (given) return r.fail(x, "give either token or token_env, not both");
    given = true;
    std::string value;
    if (!(fromEnv ? readEnv(r, x, value) : r.readString(x, value))) return false;
    if (fromEnv && value.empty()) {
      return r.fail(x, "environment variable " + x.node.Scalar() +
                           " is empty (omit admin.token_env to disable the admin endpoints)");
    }
    // The token itself never goes into a message.
    if (!value.empty() && value.size() < kMinAdminTokenLength) {
      return r.fail(x, "the token must be at least " + std::to_string(kMinAdminTokenLength) +
                           " characters, got " + std::to_string(value.size()));
    }
    if (!isVisibleAscii(value)) {
      return r.fail(x, "the token must be printable ASCII without spaces");
    }
    a.token = std::move(value);
    return true;
  };
  return r.readMap(f, {
                          {"token", [&](const Field& x) { return readToken(x, false); }},
                          {"token_env", [&](const Field& x) { return readToken(x, true); }},
                      });
}

bool readProfiles(Reader& r, const Field& f, std::string_view baseDir, ProfilesConfig& p) {
  return r.readMap(
      f, {
             {"dir",
              [&](const Field& x) {
                std::string value;
                if (!r.readString(x, value)) return false;
                if (value.empty()) {
                  return r.fail(x, "must not be empty (durable: false keeps profiles in memory)");
                }
                p.dir = resolvePath(baseDir, value);
                return true;
              }},
             {"durable", [&](const Field& x) { return r.readBool(x, p.durable); }},
             {"store",
              [&](const Field& x) {
                std::string value;
                if (!r.readString(x, value)) return false;
                if (value == "embedded") {
                  p.store = ProfilesConfig::Store::kEmbedded;
                } else if (value == "shared") {
                  p.store = ProfilesConfig::Store::kShared;
                } else {
                  return r.fail(x, "must be embedded or shared, got " + inQuotes(value));
                }
                return true;
              }},
             {"index",
              [&](const Field& x) {
                return r.readString(x, p.index, isPlainIndexName, "expected a plain index name");
              }},
             {"max_users",
              [&](const Field& x) { return r.readInt(x, 1, 100'000'000, p.max_users); }},
             {"max_events_per_user",
              [&](const Field& x) { return r.readInt(x, 1, 10'000, p.max_events_per_user); }},
             {"retention_days",
              [&](const Field& x) { return r.readInt(x, 0, 36'500, p.retention_days); }},
             {"snapshot_every",
              [&](const Field& x) { return r.readInt(x, 1, 100'000'000, p.snapshot_every); }},
         });
}

bool readActivityLog(Reader& r, const Field& f, std::string_view baseDir, ActivityLogConfig& a) {
  return r.readMap(f, {
                          {"enabled", [&](const Field& x) { return r.readBool(x, a.enabled); }},
                          {"dir",
                           [&](const Field& x) {
                             std::string value;
                             if (!r.readString(x, value)) return false;
                             if (value.empty()) {
                               return r.fail(x, "must not be empty (enabled: false turns it off)");
                             }
                             a.dir = resolvePath(baseDir, value);
                             return true;
                           }},
                      });
}

}  // namespace

bool readConfig(Reader& r, const YAML::Node& root, std::string_view baseDir, Config& out) {
  const Field top{root, "", lineOf(root)};
  if (!root.IsMap()) {
    return r.fail(top, "expected a mapping with upstream and storefronts at the top level, got " +
                           describeNode(root));
  }
  bool hasUpstream = false;
  bool hasStorefronts = false;
  const bool ok = r.readMap(
      top, {
               {"listen", [&](const Field& x) { return readListen(r, x, out.listen); }},
               {"upstream",
                [&](const Field& x) {
                  hasUpstream = true;
                  return readUpstream(r, x, baseDir, out.upstream);
                }},
               {"admin", [&](const Field& x) { return readAdmin(r, x, out.admin); }},
               {"profiles",
                [&](const Field& x) { return readProfiles(r, x, baseDir, out.profiles); }},
               {"activity_log",
                [&](const Field& x) { return readActivityLog(r, x, baseDir, out.activity_log); }},
               {"storefronts",
                [&](const Field& x) {
                  hasStorefronts = true;
                  if (!r.readList(x, [&](const Field& item) {
                        StorefrontConfig sf;
                        if (!readStorefront(r, item, baseDir, out.storefronts, sf)) return false;
                        out.storefronts.push_back(std::move(sf));
                        return true;
                      })) {
                    return false;
                  }
                  if (out.storefronts.empty()) {
                    return r.fail(x, "at least one storefront is required");
                  }
                  return true;
                }},
           });
  if (!ok) return false;
  if (!hasUpstream) return r.fail("upstream", 0, "is required");
  if (!hasStorefronts) return r.fail("storefronts", 0, "is required (at least one storefront)");
  return true;
}

}  // namespace rr::config::detail
