#include "connectors/http_transport.h"

#include <curl/curl.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <charconv>
#include <mutex>
#include <random>
#include <thread>

#include "connectors/aws_credentials.h"
#include "connectors/node_set.h"

namespace rr::connectors {
namespace {

// Bytes of readable slack after every body, so simdjson can parse it in place
// without copying (simdjson requires SIMDJSON_PADDING == 64).
constexpr std::size_t kBodyPadding = 64;

void initCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

bool iequals(std::string_view a, std::string_view b) {
  return std::ranges::equal(a, b, [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) {
    s.remove_prefix(1);
  }
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) {
    s.remove_suffix(1);
  }
  return s;
}

struct Transfer {
  HttpResponse response;
};

size_t onBody(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  t->response.body.append(data, size * count);
  return size * count;
}

size_t onHeader(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string_view line(data, size * count);
  if (line.starts_with("HTTP/")) {
    // A new status line starts a new header block (e.g. after a 100-continue
    // or a redirect); only the last block describes the body.
    t->response.headers.clear();
    return size * count;
  }
  auto colon = line.find(':');
  if (colon == std::string_view::npos) return size * count;
  Header h{std::string(trim(line.substr(0, colon))),
           std::string(trim(line.substr(colon + 1)))};
  if (iequals(h.name, "content-length")) {
    std::size_t n = 0;
    auto v = std::string_view(h.value);
    if (std::from_chars(v.data(), v.data() + v.size(), n).ec == std::errc{} &&
        n < (std::size_t{1} << 31)) {
      t->response.body.reserve(n + kBodyPadding);
    }
  }
  t->response.headers.push_back(std::move(h));
  return size * count;
}

Error transportError(CURLcode rc, const char* detail, const std::string& url) {
  Error e;
  std::string what = detail[0] ? detail : curl_easy_strerror(rc);
  switch (rc) {
    case CURLE_COULDNT_CONNECT:
      e.code = ErrorCode::kUnavailable;
      e.cause = TransportCause::kConnectionRefused;
      e.message = "connection refused by " + url + ": " + what;
      break;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      e.code = ErrorCode::kUnavailable;
      e.cause = TransportCause::kDns;
      e.message = "DNS lookup failed for " + url + ": " + what;
      break;
    case CURLE_OPERATION_TIMEDOUT:
      e.code = ErrorCode::kDeadlineExceeded;
      e.cause = TransportCause::kTimeout;
      e.message = "deadline exceeded waiting for " + url + ": " + what;
      break;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_USE_SSL_FAILED:
      e.code = ErrorCode::kUnavailable;
      e.cause = TransportCause::kTls;
      e.message = "TLS failure talking to " + url + ": " + what;
      break;
    case CURLE_PARTIAL_FILE:
      e.code = ErrorCode::kBadResponse;
      e.cause = TransportCause::kConnectionReset;
      e.message = "truncated body from " + url + ": " + what;
      break;
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
      e.code = ErrorCode::kUnavailable;
      e.cause = TransportCause::kConnectionReset;
      e.message = "connection to " + url + " dropped: " + what;
      break;
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      e.code = ErrorCode::kInvalidArgument;
      e.message = "bad URL " + url + ": " + what;
      break;
    default:
      e.code = ErrorCode::kUnavailable;
      e.cause = TransportCause::kOther;
      e.message = "request to " + url + " failed: " + what;
  }
  return e;
}

bool retryableError(const Error& e) {
  return e.cause == TransportCause::kConnectionRefused ||
         e.cause == TransportCause::kDns;
}

bool retryableStatus(int status) {
  return status == 429 || status == 502 || status == 503;
}

// Every node's URL, without trailing '/'.
std::vector<std::string> nodeUrls(const ClientOptions& options) {
  std::vector<std::string> urls = options.urls.empty() ? std::vector{options.url} : options.urls;
  for (auto& url : urls) {
    while (!url.empty() && url.back() == '/') url.pop_back();
  }
  return urls;
}

}  // namespace

std::string_view HttpResponse::header(std::string_view name) const {
  for (const auto& h : headers) {
    if (iequals(h.name, name)) return h.value;
  }
  return {};
}

class CurlTransport::Impl {
 public:
  explicit Impl(ClientOptions options)
      : options_(std::move(options)), nodes_(NodeSet::shared(nodeUrls(options_))) {
    initCurlOnce();
    for (std::size_t i = 0; i < nodes_->size(); ++i) {
      // The Host header a signed request carries: the URL's host[:port].
      const std::string& url = nodes_->url(i);
      const std::size_t scheme = url.find("://");
      std::string authority = scheme == std::string::npos ? url : url.substr(scheme + 3);
      authorities_.push_back(authority.substr(0, authority.find('/')));
    }
  }

  ~Impl() {
    for (CURL* h : idle_) curl_easy_cleanup(h);
  }

  Result<HttpResponse> send(const HttpRequest& request, Deadline deadline) {
    // Signed, the query goes as it is signed (see sigV4CanonicalQuery).
    const std::string query =
        options_.sigv4 ? sigV4CanonicalQuery(request.query) : request.query;
    // The nodes in the order to try them (connectors/node_set.h): a node
    // that cannot be reached is passed over at once, without using up a
    // retry; a retry goes to the next node.
    const std::vector<std::size_t> order = nodes_->order();
    std::size_t at = 0;
    std::size_t unreachable_in_a_row = 0;
    Result<HttpResponse> last = makeError(ErrorCode::kInternal, "no attempt");
    for (int attempt = 0; attempt < std::max(1, options_.retry.max_attempts);) {
      // A node's failure counts once per request: in its first round.
      const bool first_round = at < order.size();
      const std::size_t node = order[at % order.size()];
      std::string url = nodes_->url(node) + request.path;
      if (!query.empty()) url += "?" + query;
      bool unreachable = false;
      last = sendOnce(request, node, url, query, deadline, unreachable);
      ++at;
      // A request that timed out after it was sent is not sent again.
      nodes_->settle(node,
                     unreachable ? NodeSet::Outcome::kUnreachable
                     : !last && last.error().cause == TransportCause::kTimeout
                         ? NodeSet::Outcome::kNoAnswerInTime
                         : NodeSet::Outcome::kAnswered,
                     first_round);
      if (unreachable && ++unreachable_in_a_row < order.size()) continue;  // the next node, now
      unreachable_in_a_row = 0;
      const bool retry = last ? retryableStatus(last->status) : retryableError(last.error());
      if (!retry || ++attempt >= std::max(1, options_.retry.max_attempts)) break;
      if (!sleepBeforeRetry(attempt, deadline)) break;
    }
    return last;
  }

  long connectionsOpened() const { return connections_.load(); }

 private:
  bool sleepBeforeRetry(int attempt, Deadline deadline) {
    std::chrono::milliseconds cap = std::min<std::chrono::milliseconds>(
        options_.retry.max_backoff,
        options_.retry.base_backoff * (1LL << std::min(attempt, 20)));
    std::chrono::milliseconds pause{0};
    {
      std::lock_guard lock(mu_);
      std::uniform_int_distribution<long long> pick(0, cap.count());
      pause = std::chrono::milliseconds(pick(rng_));
    }
    if (Clock::now() + pause >= deadline) return false;
    std::this_thread::sleep_for(pause);
    return true;
  }

  // `unreachable`: set when nothing of the request went out (no address,
  // refused, the connect or TLS handshake failed or timed out).
  Result<HttpResponse> sendOnce(const HttpRequest& request, std::size_t node,
                                const std::string& url, const std::string& query,
                                Deadline deadline, bool& unreachable) {
    const std::string& authority = authorities_[node];
    auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - Clock::now());
    if (remaining.count() <= 0) {
      Error e;
      e.code = ErrorCode::kDeadlineExceeded;
      e.message = "deadline passed before sending to " + url;
      e.cause = TransportCause::kTimeout;
      return std::unexpected(std::move(e));
    }
    // Signed at each attempt: AWS refuses a signature minutes old.
    std::vector<Header> signature;
    if (options_.sigv4) {
      auto credentials = options_.sigv4->credentials->current();
      if (!credentials) return makeError(ErrorCode::kInvalidArgument, credentials.error());
      signature = sigV4Headers({request.method, request.path, query, authority, request.body},
                               *credentials, options_.sigv4->region, options_.sigv4->service,
                               std::chrono::system_clock::now());
      signature.push_back({"Host", authority});  // exactly as signed
    }
    CURL* h = acquire();
    Transfer transfer;
    char detail[CURL_ERROR_SIZE] = {0};
    curl_slist* headers = nullptr;
    for (const auto& hd : request.headers) {
      // Ours replace them.
      if ((options_.api_key || options_.sigv4) && iequals(hd.name, "authorization")) continue;
      if (options_.sigv4 && (iequals(hd.name, "host") ||
                             (hd.name.size() > 6 && iequals(hd.name.substr(0, 6), "x-amz-")))) {
        continue;
      }
      std::string line = hd.name + ": " + hd.value;
      headers = curl_slist_append(headers, line.c_str());
    }
    if (options_.api_key) {
      headers = curl_slist_append(headers, ("Authorization: ApiKey " + *options_.api_key).c_str());
    }
    for (const auto& hd : signature) {
      headers = curl_slist_append(headers, (hd.name + ": " + hd.value).c_str());
    }
    // Never wait for "100 Continue" on big bodies: it costs a round trip.
    headers = curl_slist_append(headers, "Expect:");

    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    // Straight to the engine, never through http(s)_proxy from the
    // environment: rerankd's async client connects directly, and its
    // searches and its other calls must take the same road.
    curl_easy_setopt(h, CURLOPT_PROXY, "");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, detail);
    curl_easy_setopt(h, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
    curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_USERAGENT, options_.user_agent.c_str());
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(remaining.count()));
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(std::min(remaining, options_.connect_timeout).count()));
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, onBody);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &transfer);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, onHeader);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &transfer);
    if (request.method == "HEAD") {
      curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else {
      curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }
    if (!request.body.empty()) {
      curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data());
      curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.body.size()));
    }
    if (options_.auth) {
      curl_easy_setopt(h, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
      curl_easy_setopt(h, CURLOPT_USERNAME, options_.auth->user.c_str());
      curl_easy_setopt(h, CURLOPT_PASSWORD, options_.auth->password.c_str());
    }
    if (!options_.tls.ca_file.empty()) {
      curl_easy_setopt(h, CURLOPT_CAINFO, options_.tls.ca_file.c_str());
    }
    if (!options_.tls.cert_file.empty()) {
      curl_easy_setopt(h, CURLOPT_SSLCERT, options_.tls.cert_file.c_str());
      curl_easy_setopt(h, CURLOPT_SSLKEY, options_.tls.key_file.c_str());
    }
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, options_.tls.verify ? 1L : 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, options_.tls.verify ? 2L : 0L);

    CURLcode rc = curl_easy_perform(h);
    long status = 0;
    long opened = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &opened);
    connections_ += opened;
    if (rc != CURLE_OK) {
      // Until the connection (and its TLS handshake) is up, pretransfer
      // time stays 0; a kept-alive connection found dead is another matter.
      curl_off_t pretransfer = 0;
      curl_easy_getinfo(h, CURLINFO_PRETRANSFER_TIME_T, &pretransfer);
      // A connect cut short by the request's own deadline says nothing of
      // the node.
      unreachable = pretransfer == 0 && rc != CURLE_URL_MALFORMAT &&
                    rc != CURLE_UNSUPPORTED_PROTOCOL &&
                    (rc != CURLE_OPERATION_TIMEDOUT || Clock::now() < deadline);
    }
    curl_slist_free_all(headers);
    release(h);

    if (rc != CURLE_OK) return std::unexpected(transportError(rc, detail, url));
    transfer.response.status = static_cast<int>(status);
    auto& body = transfer.response.body;
    if (body.capacity() < body.size() + kBodyPadding) {
      body.reserve(body.size() + kBodyPadding);
    }
    return std::move(transfer.response);
  }

  CURL* acquire() {
    {
      std::lock_guard lock(mu_);
      if (!idle_.empty()) {
        CURL* h = idle_.back();
        idle_.pop_back();
        // Clears options only; the handle keeps its live connection.
        curl_easy_reset(h);
        return h;
      }
    }
    return curl_easy_init();
  }

  void release(CURL* h) {
    std::lock_guard lock(mu_);
    if (idle_.size() < options_.pool_size) {
      idle_.push_back(h);
    } else {
      curl_easy_cleanup(h);
    }
  }

  ClientOptions options_;
  std::shared_ptr<NodeSet> nodes_;  // NodeSet::shared: the process's view
  std::vector<std::string> authorities_;  // host[:port] of each node's URL
  std::mutex mu_;
  std::vector<CURL*> idle_;
  std::mt19937_64 rng_{std::random_device{}()};
  std::atomic<long> connections_{0};
};

CurlTransport::CurlTransport(ClientOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

CurlTransport::~CurlTransport() = default;

Result<HttpResponse> CurlTransport::send(const HttpRequest& request,
                                         Deadline deadline) {
  return impl_->send(request, deadline);
}

long CurlTransport::connectionsOpened() const {
  return impl_->connectionsOpened();
}

}  // namespace rr::connectors
