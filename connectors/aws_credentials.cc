#include "connectors/aws_credentials.h"

#include <curl/curl.h>
#include <simdjson.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <utility>
#include <vector>

#include "connectors/aws_profile.h"
#include "connectors/percent_encoding.h"

namespace rr::connectors {
namespace {

using SysClock = std::chrono::system_clock;
constexpr auto kRefreshBefore = std::chrono::minutes(5);
constexpr auto kRetryAfter = std::chrono::seconds(60);
constexpr auto kSoonest = std::chrono::seconds(5);
constexpr auto kProcessTimeout = std::chrono::milliseconds(30000);
constexpr char kImdsDefault[] = "http://169.254.169.254";
constexpr char kContainerHost[] = "http://169.254.170.2";

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// STS: AWS_ENDPOINT_URL_STS, else the region's endpoint, else the global one.
std::string stsEndpoint(const std::string& region) {
  std::string url = !env("AWS_ENDPOINT_URL_STS").empty() ? env("AWS_ENDPOINT_URL_STS")
                    : !region.empty() ? "https://sts." + region + ".amazonaws.com"
                                      : "https://sts.amazonaws.com";
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

std::string readFile(const std::filesystem::path& path, bool& ok) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  ok = static_cast<bool>(in);
  return text.str();
}

size_t collect(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

// One blocking HTTP call to a local credentials endpoint (never through a
// proxy): its status and body, or why it failed.
std::expected<std::pair<long, std::string>, std::string> httpCall(
    const char* method, const std::string& url, const std::vector<std::string>& headers,
    const std::string& request_body = "") {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  CURL* h = curl_easy_init();
  if (!h) return std::unexpected("curl_easy_init failed");
  std::string body;
  char detail[CURL_ERROR_SIZE] = {0};
  curl_slist* list = nullptr;
  for (const auto& line : headers) list = curl_slist_append(list, line.c_str());
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_PROXY, "");
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
  if (std::string_view(method) != "GET") {
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, request_body.c_str());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, static_cast<long>(request_body.size()));
  }
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 1000L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 3000L);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, detail);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
  const CURLcode rc = curl_easy_perform(h);
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(list);
  curl_easy_cleanup(h);
  if (rc != CURLE_OK) {
    return std::unexpected(std::string(detail[0] ? detail : curl_easy_strerror(rc)));
  }
  return std::pair<long, std::string>(status, std::move(body));
}

// The text of the first <tag>...</tag> in `xml`, or nullopt.
std::optional<std::string_view> xmlValue(std::string_view xml, std::string_view tag) {
  const std::string open = "<" + std::string(tag) + ">", close = "</" + std::string(tag) + ">";
  const std::size_t start = xml.find(open);
  if (start == std::string_view::npos) return std::nullopt;
  const std::size_t end = xml.find(close, start + open.size());
  if (end == std::string_view::npos) return std::nullopt;
  return xml.substr(start + open.size(), end - start - open.size());
}

}  // namespace

std::expected<std::pair<AwsCredentials, SysClock::time_point>, std::string>
parseStsCredentialsXml(std::string_view xml) {
  if (auto code = xmlValue(xml, "Code")) {
    return std::unexpected("STS refused: " + std::string(*code) + ": " +
                           std::string(xmlValue(xml, "Message").value_or("")));
  }
  const auto credentials = xmlValue(xml, "Credentials");
  if (!credentials) return std::unexpected("no Credentials in STS's answer");
  AwsCredentials c;
  const std::pair<const char*, std::string*> fields[] = {{"AccessKeyId", &c.access_key_id},
                                                         {"SecretAccessKey", &c.secret_access_key},
                                                         {"SessionToken", &c.session_token}};
  for (const auto& [name, out] : fields) {
    const auto v = xmlValue(*credentials, name);
    if (!v || v->empty()) return std::unexpected(std::string("no ") + name + " in STS's answer");
    *out = std::string(awsTrim(*v));
  }
  const auto expiration = xmlValue(*credentials, "Expiration");
  if (!expiration) return std::unexpected("no Expiration in STS's answer");
  const auto expires = parseAwsIsoUtc(awsTrim(*expiration));
  if (!expires) {
    return std::unexpected("Expiration '" + std::string(*expiration) +
                           "' is not an ISO 8601 UTC time");
  }
  return std::pair<AwsCredentials, SysClock::time_point>(std::move(c), *expires);
}

std::expected<AwsCredentials, std::string> parseAwsCredentialsFile(std::string_view text,
                                                                  std::string_view profile) {
  const auto section = awsIniSection(text, profile);
  if (!section) return std::unexpected(section.error());
  const std::string where = "profile [" + std::string(profile) + "]";
  if (!*section) return std::unexpected("no " + where);
  const auto value = [&](std::string_view key) {
    const auto it = (*section)->find(key);
    return it == (*section)->end() ? std::string() : it->second;
  };
  AwsCredentials found{value("aws_access_key_id"), value("aws_secret_access_key"),
                       value("aws_session_token")};
  if (found.access_key_id.empty()) return std::unexpected(where + " has no aws_access_key_id");
  if (found.secret_access_key.empty()) {
    return std::unexpected(where + " has no aws_secret_access_key");
  }
  return found;
}

std::expected<std::pair<AwsCredentials, SysClock::time_point>, std::string>
parseAwsCredentialsJson(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(json.data(), json.size()).get(doc) || !doc.is_object()) {
    return std::unexpected("the answer is not a JSON object");
  }
  AwsCredentials c;
  std::string_view expiration;
  const std::pair<const char*, std::string*> fields[] = {{"AccessKeyId", &c.access_key_id},
                                                         {"SecretAccessKey", &c.secret_access_key},
                                                         {"Token", &c.session_token}};
  for (const auto& [name, out] : fields) {
    std::string_view v;
    if (doc[name].get(v) || v.empty()) return std::unexpected(std::string("no ") + name);
    *out = std::string(v);
  }
  if (doc["Expiration"].get(expiration)) return std::unexpected("no Expiration");
  const auto expires = parseAwsIsoUtc(expiration);
  if (!expires) {
    return std::unexpected("Expiration '" + std::string(expiration) + "' is not an ISO 8601 UTC time");
  }
  return std::pair<AwsCredentials, SysClock::time_point>(std::move(c), *expires);
}

AwsCredentialSource::AwsCredentialSource() : from_file_(std::unexpected("not read")),
                                             fetched_(std::unexpected("not fetched")) {
  std::string looked = "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not both set";
  if (!env("AWS_ACCESS_KEY_ID").empty() && !env("AWS_SECRET_ACCESS_KEY").empty()) {
    provider_ = Provider::kEnvironment;
    return;
  }
  if (!env("AWS_WEB_IDENTITY_TOKEN_FILE").empty() && !env("AWS_ROLE_ARN").empty()) {
    provider_ = Provider::kWebIdentity;
    web_token_file_ = env("AWS_WEB_IDENTITY_TOKEN_FILE");
    role_arn_ = env("AWS_ROLE_ARN");
    session_name_ = env("AWS_ROLE_SESSION_NAME").empty() ? "rerankd-" + std::to_string(::getpid())
                                                         : env("AWS_ROLE_SESSION_NAME");
    endpoint_ = stsEndpoint(!env("AWS_REGION").empty() ? env("AWS_REGION")
                                                        : env("AWS_DEFAULT_REGION"));
    fetched_ = fetch();
    refresher_ = std::thread([this] { refreshLoop(); });
    return;
  }
  const std::string named = env("AWS_SHARED_CREDENTIALS_FILE");
  const std::string home = env("HOME");
  file_ = !named.empty() ? std::filesystem::path(named)
          : !home.empty() ? std::filesystem::path(home) / ".aws" / "credentials"
                          : std::filesystem::path();
  profile_ = env("AWS_PROFILE").empty() ? "default" : env("AWS_PROFILE");
  // The profile's keys in the credentials file come first; else the
  // credential_process it (or the config file's profile) names.
  if (auto profile = profileSource(); !profile) {
    none_why_ = profile.error();
    return;
  } else if (!profile->process.empty() || !profile->role_arn.empty()) {
    if (!profile->process.empty()) {
      provider_ = Provider::kProcess;
      endpoint_ = profile->process;
    } else {
      provider_ = Provider::kAssumeRole;
      role_arn_ = profile->role_arn;
      source_keys_ = profile->source_keys;
      external_id_ = profile->external_id;
      session_name_ = profile->session_name.empty() ? "rerankd-" + std::to_string(::getpid())
                                                    : profile->session_name;
      sts_region_ = !env("AWS_REGION").empty()         ? env("AWS_REGION")
                    : !env("AWS_DEFAULT_REGION").empty() ? env("AWS_DEFAULT_REGION")
                                                         : profile->region;
      endpoint_ = stsEndpoint(sts_region_);
      if (sts_region_.empty()) sts_region_ = "us-east-1";  // the global endpoint's
    }
    fetched_ = fetch();
    refresher_ = std::thread([this] { refreshLoop(); });
    return;
  }
  std::error_code ec;
  // A file named outright is used (and its absence reported); the default
  // one only when it is there.
  if (!named.empty() || (!file_.empty() && std::filesystem::exists(file_, ec))) {
    provider_ = Provider::kFile;
    return;
  }
  looked += ", no credentials file at " + (file_.empty() ? "~/.aws/credentials" : file_.string());
  const std::string full = env("AWS_CONTAINER_CREDENTIALS_FULL_URI");
  const std::string relative = env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
  if (!full.empty() || !relative.empty()) {
    provider_ = Provider::kContainer;
    endpoint_ = !full.empty() ? full : kContainerHost + relative;
    container_token_ = env("AWS_CONTAINER_AUTHORIZATION_TOKEN");
    container_token_file_ = env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
  } else if (env("AWS_EC2_METADATA_DISABLED") != "true") {
    provider_ = Provider::kInstance;
    endpoint_ = env("AWS_EC2_METADATA_SERVICE_ENDPOINT").empty()
                    ? kImdsDefault
                    : env("AWS_EC2_METADATA_SERVICE_ENDPOINT");
    while (!endpoint_.empty() && endpoint_.back() == '/') endpoint_.pop_back();
  } else {
    none_why_ = "no AWS credentials: " + looked +
                ", no container credentials endpoint, and the instance metadata service is off "
                "(AWS_EC2_METADATA_DISABLED)";
    return;
  }
  fetched_ = fetch();
  if (!fetched_ && provider_ == Provider::kInstance) {
    fetched_ = std::unexpected("no AWS credentials: " + looked +
                               ", no container credentials endpoint, and " + fetched_.error());
  }
  refresher_ = std::thread([this] { refreshLoop(); });
}

AwsCredentialSource::~AwsCredentialSource() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (refresher_.joinable()) refresher_.join();
}

std::shared_ptr<AwsCredentialSource> AwsCredentialSource::shared() {
  static const std::shared_ptr<AwsCredentialSource> one = std::make_shared<AwsCredentialSource>();
  return one;
}

std::string_view AwsCredentialSource::provider() const {
  switch (provider_) {
    case Provider::kEnvironment: return "environment";
    case Provider::kWebIdentity: return "web_identity";
    case Provider::kFile: return "file";
    case Provider::kAssumeRole: return "assume_role";
    case Provider::kProcess: return "process";
    case Provider::kContainer: return "container";
    case Provider::kInstance: return "instance";
    case Provider::kNone: return "none";
  }
  return "none";
}

std::expected<AwsCredentials, std::string> AwsCredentialSource::current() {
  switch (provider_) {
    case Provider::kEnvironment: {
      // Read each time: cheap, and the same for every thread.
      const std::string id = env("AWS_ACCESS_KEY_ID"), secret = env("AWS_SECRET_ACCESS_KEY");
      if (id.empty() || secret.empty()) {
        return std::unexpected("AWS_ACCESS_KEY_ID or AWS_SECRET_ACCESS_KEY is empty");
      }
      return AwsCredentials{id, secret, env("AWS_SESSION_TOKEN")};
    }
    case Provider::kFile:
      return fromFile();
    case Provider::kWebIdentity:
    case Provider::kAssumeRole:
    case Provider::kProcess:
    case Provider::kContainer:
    case Provider::kInstance: {
      std::lock_guard lock(mu_);
      if (!fetched_) return std::unexpected(fetched_.error());
      if (SysClock::now() >= fetched_->expires) {
        return std::unexpected("the AWS credentials from " + endpoint_ +
                               " expired and could not be refreshed");
      }
      return fetched_->credentials;
    }
    case Provider::kNone:
      break;
  }
  return std::unexpected(none_why_);
}

std::expected<AwsCredentialSource::ProfileSource, std::string>
AwsCredentialSource::profileSource() const {
  const std::string config_named = env("AWS_CONFIG_FILE");
  const std::string home = env("HOME");
  const std::filesystem::path config =
      !config_named.empty() ? std::filesystem::path(config_named)
      : !home.empty()       ? std::filesystem::path(home) / ".aws" / "config"
                            : std::filesystem::path();
  std::string credentials_text, config_text;
  bool has_credentials = false, has_config = false;
  if (!file_.empty()) credentials_text = readFile(file_, has_credentials);
  if (!config.empty()) config_text = readFile(config, has_config);
  // A profile's section in each file that is there: [NAME] in the
  // credentials file; [profile NAME] in the config file ([default] too for
  // the default profile).
  const auto sections = [&](const std::string& profile)
      -> std::expected<std::pair<std::optional<AwsIniSection>, std::optional<AwsIniSection>>,
                       std::string> {
    std::pair<std::optional<AwsIniSection>, std::optional<AwsIniSection>> out;
    if (has_credentials) {
      auto section = awsIniSection(credentials_text, profile);
      if (!section) return std::unexpected(file_.string() + ": " + section.error());
      out.first = std::move(*section);
    }
    if (has_config) {
      auto section = awsIniSection(config_text, "profile " + profile);
      if (section && !*section && profile == "default") {
        section = awsIniSection(config_text, "default");
      }
      if (!section) return std::unexpected(config.string() + ": " + section.error());
      out.second = std::move(*section);
    }
    return out;
  };
  const auto value = [](const std::optional<AwsIniSection>& a,
                        const std::optional<AwsIniSection>& b, std::string_view key) {
    for (const auto* section : {&a, &b}) {
      if (!*section) continue;
      if (auto it = (*section)->find(key); it != (*section)->end()) return it->second;
    }
    return std::string();
  };
  auto mine = sections(profile_);
  if (!mine) return std::unexpected(mine.error());
  const auto& [in_credentials, in_config] = *mine;
  ProfileSource out;
  if (in_credentials && in_credentials->contains("aws_access_key_id")) return out;  // the file's
  if (std::string process = value(in_credentials, in_config, "credential_process");
      !process.empty()) {
    out.process = std::move(process);
    return out;
  }
  const std::string where = "no AWS credentials: profile " + profile_;
  if (std::string role = value(in_credentials, in_config, "role_arn"); !role.empty()) {
    const std::string source = value(in_credentials, in_config, "source_profile");
    if (source.empty()) {
      return std::unexpected(where + " has a role_arn without a source_profile (rerankd "
                                     "does not read credential_source)");
    }
    auto theirs = sections(source);
    if (!theirs) return std::unexpected(theirs.error());
    AwsCredentials keys{value(theirs->first, theirs->second, "aws_access_key_id"),
                        value(theirs->first, theirs->second, "aws_secret_access_key"),
                        value(theirs->first, theirs->second, "aws_session_token")};
    if (keys.access_key_id.empty() || keys.secret_access_key.empty()) {
      return std::unexpected(where + "'s source_profile " + source +
                             " has no aws_access_key_id and aws_secret_access_key (rerankd "
                             "assumes a role from keys only, not from another role or process)");
    }
    out.role_arn = std::move(role);
    out.source_keys = std::move(keys);
    out.external_id = value(in_credentials, in_config, "external_id");
    out.session_name = value(in_credentials, in_config, "role_session_name");
    out.region = value(in_credentials, in_config, "region");
    return out;
  }
  if (in_config && !in_config->contains("aws_access_key_id")) {
    for (const char* key : {"sso_session", "sso_start_url", "web_identity_token_file"}) {
      if (in_config->contains(key)) {
        return std::unexpected(where + " in " + config.string() + " uses " + key +
                               ", which rerankd does not read (give it keys, a "
                               "credential_process, a role_arn with a source_profile, or use "
                               "the environment or a role)");
      }
    }
  }
  return out;
}

std::expected<AwsCredentials, std::string> AwsCredentialSource::fromFile() {
  std::lock_guard lock(mu_);
  std::error_code ec;
  const auto modified = std::filesystem::last_write_time(file_, ec);
  if (ec) {
    return std::unexpected("no AWS credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are "
                           "not both set, and " + file_.string() + " cannot be read: " +
                           ec.message());
  }
  if (modified != read_at_ || !from_file_) {
    bool ok = false;
    const std::string text = readFile(file_, ok);
    if (!ok) return std::unexpected(file_.string() + " cannot be read");
    from_file_ = parseAwsCredentialsFile(text, profile_);
    if (!from_file_) from_file_ = std::unexpected(file_.string() + ": " + from_file_.error());
    read_at_ = modified;
  }
  return from_file_;
}

std::expected<AwsCredentialSource::Fetched, std::string> AwsCredentialSource::fetch() const {
  std::string body;
  std::string from = endpoint_;
  if (provider_ == Provider::kWebIdentity) {
    // Read each time: the cluster rotates the token in the file.
    bool ok = false;
    const std::string token(awsTrim(readFile(web_token_file_, ok)));
    if (!ok || token.empty()) {
      return std::unexpected("AWS_WEB_IDENTITY_TOKEN_FILE " + web_token_file_ +
                             " cannot be read or is empty");
    }
    const std::string form = "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=" +
                             percentEncode(role_arn_) +
                             "&RoleSessionName=" + percentEncode(session_name_) +
                             "&WebIdentityToken=" + percentEncode(token);
    auto got = httpCall("POST", endpoint_ + "/",
                        {"Content-Type: application/x-www-form-urlencoded"}, form);
    if (!got) return std::unexpected("STS at " + from + ": " + got.error());
    auto parsed = parseStsCredentialsXml(got->second);
    if (!parsed) {
      return std::unexpected("STS at " + from + " (status " + std::to_string(got->first) +
                             "): " + parsed.error());
    }
    return Fetched{std::move(parsed->first), parsed->second};
  }
  if (provider_ == Provider::kAssumeRole) {
    // STS AssumeRole, signed with the source profile's keys.
    std::string form = "Action=AssumeRole&Version=2011-06-15&RoleArn=" + percentEncode(role_arn_) +
                       "&RoleSessionName=" + percentEncode(session_name_);
    if (!external_id_.empty()) form += "&ExternalId=" + percentEncode(external_id_);
    const std::size_t scheme = endpoint_.find("://");
    const std::string host = scheme == std::string::npos ? endpoint_ : endpoint_.substr(scheme + 3);
    std::vector<std::string> headers = {"Content-Type: application/x-www-form-urlencoded"};
    for (const auto& h : sigV4Headers({"POST", "/", "", host, form}, source_keys_, sts_region_,
                                      "sts", SysClock::now())) {
      headers.push_back(h.name + ": " + h.value);
    }
    headers.push_back("Host: " + host);  // exactly as signed
    auto got = httpCall("POST", endpoint_ + "/", headers, form);
    if (!got) return std::unexpected("STS at " + from + ": " + got.error());
    auto parsed = parseStsCredentialsXml(got->second);
    if (!parsed) {
      return std::unexpected("STS at " + from + " (status " + std::to_string(got->first) +
                             "), assuming " + role_arn_ + ": " + parsed.error());
    }
    return Fetched{std::move(parsed->first), parsed->second};
  }
  if (provider_ == Provider::kProcess) {
    auto out = runCredentialProcess(endpoint_, kProcessTimeout);
    if (!out) return std::unexpected("credential_process '" + endpoint_ + "' " + out.error());
    auto parsed = parseCredentialProcessJson(*out);
    if (!parsed) return std::unexpected("credential_process '" + endpoint_ + "': " + parsed.error());
    return Fetched{std::move(parsed->first), parsed->second};
  }
  if (provider_ == Provider::kContainer) {
    std::vector<std::string> headers;
    std::string token = container_token_;
    if (!container_token_file_.empty()) {
      bool ok = false;
      token = std::string(awsTrim(readFile(container_token_file_, ok)));
      if (!ok) {
        return std::unexpected("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE " + container_token_file_ +
                               " cannot be read");
      }
    }
    if (!token.empty()) headers.push_back("Authorization: " + token);
    auto got = httpCall("GET", endpoint_, headers);
    if (!got) return std::unexpected("the container credentials endpoint " + from + ": " + got.error());
    if (got->first != 200) {
      return std::unexpected("the container credentials endpoint " + from + " answered " +
                             std::to_string(got->first));
    }
    body = std::move(got->second);
  } else {
    // IMDSv2: a session token, the role's name, then its credentials.
    auto token = httpCall("PUT", endpoint_ + "/latest/api/token",
                          {"X-aws-ec2-metadata-token-ttl-seconds: 21600"});
    if (!token || token->first != 200) {
      return std::unexpected("the instance metadata service at " + endpoint_ +
                             (token ? " answered " + std::to_string(token->first)
                                    : " did not answer: " + token.error()));
    }
    const std::string auth = "X-aws-ec2-metadata-token: " + std::string(awsTrim(token->second));
    from = endpoint_ + "/latest/meta-data/iam/security-credentials/";
    auto role = httpCall("GET", from, {auth});
    if (!role || role->first != 200 || awsTrim(role->second).empty()) {
      return std::unexpected("the instance metadata service names no role at " + from +
                             (role ? " (status " + std::to_string(role->first) + ")"
                                   : ": " + role.error()));
    }
    std::string name(awsTrim(role->second));
    name = name.substr(0, name.find('\n'));
    from += name;
    auto got = httpCall("GET", from, {auth});
    if (!got || got->first != 200) {
      return std::unexpected(from + (got ? " answered " + std::to_string(got->first)
                                         : ": " + got.error()));
    }
    body = std::move(got->second);
  }
  auto parsed = parseAwsCredentialsJson(body);
  if (!parsed) return std::unexpected(from + ": " + parsed.error());
  return Fetched{std::move(parsed->first), parsed->second};
}

void AwsCredentialSource::refreshLoop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    if (fetched_ && fetched_->expires == SysClock::time_point::max()) {
      // A credential_process's keys without an Expiration: never refreshed.
      wake_.wait(lock, [this] { return stopping_; });
      break;
    }
    const auto now = SysClock::now();
    const auto next = fetched_ ? std::max(fetched_->expires - kRefreshBefore, now + kSoonest)
                               : now + kRetryAfter;
    wake_.wait_until(lock, next, [this] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    auto fresh = fetch();
    lock.lock();
    // A failed refresh keeps credentials that have not expired yet.
    if (fresh || !fetched_ || SysClock::now() >= fetched_->expires) fetched_ = std::move(fresh);
  }
}

}  // namespace rr::connectors
