#include "connectors/aws_sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>
#include <ctime>
#include <utility>

#include "connectors/percent_encoding.h"

namespace rr::connectors {
namespace {

constexpr char kHex[] = "0123456789abcdef";

std::string hex(const unsigned char* data, std::size_t n) {
  std::string out;
  out.reserve(2 * n);
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(kHex[data[i] >> 4]);
    out.push_back(kHex[data[i] & 15]);
  }
  return out;
}

std::string sha256Hex(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return hex(digest, sizeof digest);
}

std::string hmac(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &n);
  return std::string(reinterpret_cast<const char*>(out), n);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

std::string sigV4CanonicalPath(std::string_view path) {
  std::vector<std::string_view> segments;
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t slash = path.find('/', start);
    const std::size_t end = slash == std::string_view::npos ? path.size() : slash;
    const std::string_view segment = path.substr(start, end - start);
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!segment.empty() && segment != ".") {
      segments.push_back(segment);
    }
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  std::string out;
  for (std::string_view segment : segments) out += "/" + percentEncode(segment);
  // A trailing slash stays: it is part of the resource.
  if (out.empty() || (path.size() > 1 && path.back() == '/')) out += "/";
  return out;
}

std::string sigV4CanonicalQuery(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> params;
  std::size_t start = 0;
  while (start < query.size()) {
    std::size_t end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    const std::string_view param = query.substr(start, end - start);
    if (!param.empty()) {
      const std::size_t eq = param.find('=');
      const std::string_view name = param.substr(0, eq);
      const std::string_view value =
          eq == std::string_view::npos ? std::string_view{} : param.substr(eq + 1);
      if (!name.empty()) params.emplace_back(percentEncode(percentDecodeQuery(name)),
                            percentEncode(percentDecodeQuery(value)));
    }
    start = end + 1;
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out += '&';
    out += name + "=" + value;
  }
  return out;
}

std::vector<Header> sigV4Headers(const SigV4Request& request, const AwsCredentials& credentials,
                                 std::string_view region, std::string_view service,
                                 std::chrono::system_clock::time_point now) {
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm utc{};
  ::gmtime_r(&t, &utc);
  char stamp[17];
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &utc);
  const std::string amz_date(stamp);
  const std::string date = amz_date.substr(0, 8);
  const std::string payload = sha256Hex(request.body);

  // Header names in order (they are already sorted) and their values.
  std::vector<std::pair<std::string, std::string>> signed_headers = {
      {"host", std::string(trim(request.host))},
      {"x-amz-content-sha256", payload},
      {"x-amz-date", amz_date}};
  if (!credentials.session_token.empty()) {
    signed_headers.emplace_back("x-amz-security-token", credentials.session_token);
  }
  std::string canonical_headers, names;
  for (const auto& [name, value] : signed_headers) {
    canonical_headers += name + ":" + value + "\n";
    if (!names.empty()) names += ';';
    names += name;
  }
  const std::string canonical_request =
      std::string(request.method) + "\n" + sigV4CanonicalPath(request.path) + "\n" +
      sigV4CanonicalQuery(request.query) + "\n" + canonical_headers + "\n" + names + "\n" +
      payload;
  const std::string scope =
      date + "/" + std::string(region) + "/" + std::string(service) + "/aws4_request";
  const std::string to_sign =
      "AWS4-HMAC-SHA256\n" + amz_date + "\n" + scope + "\n" + sha256Hex(canonical_request);
  std::string key = hmac("AWS4" + credentials.secret_access_key, date);
  key = hmac(key, region);
  key = hmac(key, service);
  key = hmac(key, "aws4_request");
  const std::string signature = hmac(key, to_sign);

  std::vector<Header> out = {{"X-Amz-Date", amz_date}, {"X-Amz-Content-Sha256", payload}};
  if (!credentials.session_token.empty()) {
    out.push_back({"X-Amz-Security-Token", credentials.session_token});
  }
  out.push_back({"Authorization",
                 "AWS4-HMAC-SHA256 Credential=" + credentials.access_key_id + "/" + scope +
                     ", SignedHeaders=" + names + ", Signature=" +
                     hex(reinterpret_cast<const unsigned char*>(signature.data()),
                         signature.size())});
  return out;
}

}  // namespace rr::connectors
