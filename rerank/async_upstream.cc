#include "rerank/async_upstream.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <algorithm>
#include <random>

#include "connectors/aws_credentials.h"

namespace rr::rerank {
namespace {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using connectors::Clock;
using connectors::ErrorCode;
using connectors::TransportCause;

// The largest answer read: a window of 1000 hits with big documents.
constexpr std::uint64_t kMaxBody = 512ull << 20;

std::string base64(std::string_view in) {
  static constexpr char kDigits[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    const auto v = static_cast<uint32_t>(static_cast<unsigned char>(in[i])) << 16 |
                   static_cast<uint32_t>(static_cast<unsigned char>(in[i + 1])) << 8 |
                   static_cast<uint32_t>(static_cast<unsigned char>(in[i + 2]));
    for (int s = 18; s >= 0; s -= 6) out += kDigits[(v >> s) & 63];
  }
  if (const std::size_t rest = in.size() - i; rest > 0) {
    uint32_t v = static_cast<uint32_t>(static_cast<unsigned char>(in[i])) << 16;
    if (rest == 2) v |= static_cast<uint32_t>(static_cast<unsigned char>(in[i + 1])) << 8;
    out += kDigits[(v >> 18) & 63];
    out += kDigits[(v >> 12) & 63];
    out += rest == 2 ? kDigits[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

connectors::Error transportError(ErrorCode code, TransportCause cause, std::string message) {
  connectors::Error e;
  e.code = code;
  e.cause = cause;
  e.message = std::move(message);
  return e;
}

}  // namespace

// Beast sizes each read as the buffer's free capacity (at least 512 bytes),
// and the parser empties the buffer as it goes: without room reserved, a
// 45 KB window arrived in about 120 reads of 512 bytes, each with its own
// trip through the reactor.
constexpr std::size_t kReadBuffer = 64 << 10;
// simdjson's padding (SIMDJSON_PADDING, 64 bytes), without its header here.
constexpr std::size_t kParsePadding = 64;

struct AsyncUpstream::Connection {
  // `tls`: the context of an https upstream; null for http.
  Connection(asio::io_context::executor_type executor, ssl::context* tls) : plain(executor) {
    if (tls) secure = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(executor, *tls);
    buffer.reserve(kReadBuffer);
  }
  // The TCP stream under TLS, or the plain one: where the timeouts are set.
  beast::tcp_stream& tcp() { return secure ? beast::get_lowest_layer(*secure) : plain; }
  beast::tcp_stream plain;  // http
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> secure;  // https
  beast::flat_buffer buffer;
};

namespace {

// Writes the request and reads the whole answer on `stream` (plain or TLS).
template <class Stream>
asio::awaitable<void> exchange(Stream& stream, beast::flat_buffer& buffer,
                               http::request<http::string_body>& req,
                               http::response_parser<http::string_body>& parser,
                               beast::error_code& ec) {
  co_await http::async_write(stream, req, asio::redirect_error(asio::use_awaitable, ec));
  if (!ec) {
    co_await http::async_read_header(stream, buffer, parser,
                                     asio::redirect_error(asio::use_awaitable, ec));
  }
  if (!ec && !parser.is_done()) {
    // The body with room for the JSON parser's padding past its end, so
    // parsing it does not copy the whole answer once more to get that room.
    if (const auto length = parser.content_length(); length && *length <= kMaxBody) {
      parser.get().body().reserve(static_cast<std::size_t>(*length) + kParsePadding);
    }
    co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
  }
}

}  // namespace

// One try: the answer, or the error and whether a fresh connection may try
// again at once (a kept-alive one the engine had closed).
struct AsyncUpstream::Attempt {
  std::optional<connectors::HttpResponse> response;
  connectors::Error error;
  bool stale = false;
  // Nothing of the request went out: no address, refused, the connect or
  // the TLS handshake failed (not cut short by the request's deadline).
  bool unreachable = false;
};

std::optional<AsyncUpstream::Address> AsyncUpstream::addressOf(std::string_view url) {
  const bool https = url.starts_with("https://");
  if (!https && !url.starts_with("http://")) return std::nullopt;
  url.remove_prefix(https ? 8 : 7);
  const std::string_view authority = url.substr(0, url.find('/'));
  if (authority.empty()) return std::nullopt;
  Address out;
  const auto colon = authority.rfind(':');
  const bool bracketed = authority.front() == '[';
  if (colon != std::string_view::npos && (!bracketed || authority[colon - 1] == ']')) {
    out.host = std::string(authority.substr(0, colon));
    out.port = std::string(authority.substr(colon + 1));
  } else {
    out.host = std::string(authority);
    out.port = https ? "443" : "80";
  }
  if (bracketed && out.host.size() >= 2) out.host = out.host.substr(1, out.host.size() - 2);
  out.authority = std::string(authority);
  return out;
}

AsyncUpstream::AsyncUpstream(asio::io_context::executor_type executor,
                             const config::UpstreamConfig& config,
                             std::shared_ptr<connectors::NodeSet> nodes)
    : executor_(executor),
      config_(config),
      nodes_(nodes ? std::move(nodes) : connectors::NodeSet::shared(config.nodes())) {
  // One scheme for every node (the config checks it), so one TLS context.
  const bool https = nodes_->size() > 0 && nodes_->url(0).starts_with("https://");
  for (std::size_t i = 0; i < nodes_->size(); ++i) {
    const std::string& url = nodes_->url(i);
    auto address = addressOf(url);
    if (!address || !url.starts_with(https ? "https://" : "http://")) return;
    Node node;
    node.host = std::move(address->host);
    node.port = std::move(address->port);
    node.host_header = std::move(address->authority);
    node_.push_back(std::move(node));
  }
  if (config.user) authorization_ = "Basic " + base64(*config.user + ":" + config.password.value_or(""));
  if (config.api_key) authorization_ = "ApiKey " + *config.api_key;
  if (config.aws_sigv4) credentials_ = connectors::AwsCredentialSource::shared();
  if (https) {
    // As the libcurl client: the CA file or the system's store, the
    // certificate checked against the host (a name or an IP address) unless
    // `tls_verify: false`. A CA file that cannot be read leaves this client
    // unusable, and the libcurl client then reports the TLS error.
    tls_ = std::make_unique<ssl::context>(ssl::context::tls_client);
    beast::error_code ec;
    if (config.tls_verify) {
      tls_->set_verify_mode(ssl::verify_peer, ec);
      if (!ec) {
        if (config.ca_file.empty()) {
          tls_->set_default_verify_paths(ec);
        } else {
          tls_->load_verify_file(config.ca_file, ec);
        }
      }
    } else {
      tls_->set_verify_mode(ssl::verify_none, ec);
    }
    // The client certificate, for an engine that asks for one. Files the
    // config accepted but OpenSSL cannot use (a key that does not match the
    // certificate) leave this client unusable, as a bad CA file does.
    if (!ec && !config.client_cert.empty()) {
      tls_->use_certificate_chain_file(config.client_cert, ec);
      if (!ec) tls_->use_private_key_file(config.client_key, ssl::context::pem, ec);
      if (!ec && SSL_CTX_check_private_key(tls_->native_handle()) != 1) return;
    }
    if (ec) return;
  }
  usable_ = true;
}

AsyncUpstream::~AsyncUpstream() = default;

std::chrono::milliseconds AsyncUpstream::jitter() {
  std::lock_guard lock(mu_);
  return std::chrono::milliseconds(std::uniform_int_distribution<int>(0, 25)(rng_));
}

std::size_t AsyncUpstream::connectionsOpened() const {
  std::lock_guard lock(mu_);
  return opened_;
}

std::unique_ptr<AsyncUpstream::Connection> AsyncUpstream::takeIdle(std::size_t node) {
  std::lock_guard lock(mu_);
  auto& idle = node_[node].idle;
  if (idle.empty()) return nullptr;
  auto c = std::move(idle.back());
  idle.pop_back();
  return c;
}

void AsyncUpstream::dropIdle(std::size_t node) {
  std::vector<std::unique_ptr<Connection>> dead;
  std::lock_guard lock(mu_);
  dead.swap(node_[node].idle);
}

void AsyncUpstream::giveBack(std::size_t node, std::unique_ptr<Connection> connection) {
  std::lock_guard lock(mu_);
  auto& idle = node_[node].idle;
  if (idle.size() < static_cast<std::size_t>(std::max(1, config_.pool_size))) {
    idle.push_back(std::move(connection));
  }
}

asio::awaitable<std::unique_ptr<AsyncUpstream::Connection>> AsyncUpstream::open(
    std::size_t node, const std::string& where, connectors::Deadline deadline, Attempt& out) {
  const std::string& host = node_[node].host;
  beast::error_code ec;
  auto connection = std::make_unique<Connection>(executor_, tls_.get());
  const auto connect_by = std::min(deadline, Clock::now() + config_.connect_timeout);
  // The lookup is bounded like the connect: a timer cancels it. Both live
  // in shared state, as the timer's handler may run after this returns.
  auto resolver = std::make_shared<tcp::resolver>(executor_);
  auto timer = std::make_shared<asio::steady_timer>(executor_, connect_by);
  timer->async_wait([resolver](beast::error_code timer_ec) {
    if (!timer_ec) resolver->cancel();
  });
  auto endpoints = co_await resolver->async_resolve(
      host, node_[node].port, asio::redirect_error(asio::use_awaitable, ec));
  timer->cancel();
  if (ec) {
    const bool timed_out = ec == asio::error::operation_aborted;
    out.error = transportError(
        timed_out ? ErrorCode::kDeadlineExceeded : ErrorCode::kUnavailable,
        timed_out ? TransportCause::kTimeout : TransportCause::kDns,
        (timed_out ? "timed out resolving " : "cannot resolve ") + host + ": " + ec.message());
    out.unreachable = Clock::now() < deadline;
    co_return nullptr;
  }
  connection->tcp().expires_at(connect_by);
  co_await connection->tcp().async_connect(endpoints,
                                           asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    const bool timed_out = ec == beast::error::timeout;
    out.error = transportError(
        timed_out ? ErrorCode::kDeadlineExceeded : ErrorCode::kUnavailable,
        timed_out ? TransportCause::kTimeout
        : ec == asio::error::connection_refused ? TransportCause::kConnectionRefused
                                                : TransportCause::kOther,
        (timed_out ? "connect timeout to " : "cannot connect to ") + where + ": " + ec.message());
    out.unreachable = Clock::now() < deadline;
    co_return nullptr;
  }
  connection->tcp().socket().set_option(tcp::no_delay(true), ec);
  if (auto& secure = connection->secure) {
    // SNI for a host name (not for an address), then the handshake, within
    // the connect timeout too.
    beast::error_code ip_ec;
    asio::ip::make_address(host, ip_ec);
    // (SSL_set_tlsext_host_name, without the macro's C cast.)
    if (ip_ec && SSL_ctrl(secure->native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME,
                          TLSEXT_NAMETYPE_host_name, const_cast<char*>(host.c_str())) != 1) {
      out.error = transportError(ErrorCode::kUnavailable, TransportCause::kTls,
                                 "TLS failure talking to " + where + ": cannot set the server name");
      out.unreachable = Clock::now() < deadline;
      co_return nullptr;
    }
    if (config_.tls_verify) secure->set_verify_callback(ssl::host_name_verification(host));
    co_await secure->async_handshake(ssl::stream_base::client,
                                     asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      const bool timed_out = ec == beast::error::timeout;
      out.error = transportError(
          timed_out ? ErrorCode::kDeadlineExceeded : ErrorCode::kUnavailable,
          timed_out ? TransportCause::kTimeout : TransportCause::kTls,
          (timed_out ? "TLS handshake timeout with " : "TLS failure talking to ") + where + ": " +
              ec.message());
      out.unreachable = Clock::now() < deadline;
      co_return nullptr;
    }
  }
  {
    std::lock_guard lock(mu_);
    ++opened_;
  }
  co_return connection;
}

asio::awaitable<void> AsyncUpstream::probe(std::shared_ptr<AsyncUpstream> self, std::size_t node) {
  connectors::HttpRequest ping;
  ping.method = "HEAD";
  ping.path = "/";
  const auto within = std::max<Clock::duration>(self->config_.connect_timeout, std::chrono::seconds(1));
  const Attempt out = co_await self->once(ping, node, Clock::now() + within, /*fresh=*/true);
  if (out.response) {
    // Any status: the node's HTTP layer answers. once() kept the
    // connection for the node's next request.
    self->nodes_->answered(node);
  } else if (out.error.code != ErrorCode::kInvalidArgument) {  // not the signer's credentials
    self->nodes_->failed(node);
  }
}

asio::awaitable<AsyncUpstream::Attempt> AsyncUpstream::once(const connectors::HttpRequest& request,
                                                            std::size_t node,
                                                            connectors::Deadline deadline,
                                                            bool fresh) {
  Attempt out;
  const std::string where = nodes_->url(node) + request.path;
  const std::string& host_header = node_[node].host_header;
  // Signed at each attempt, as the libcurl client signs, the query sent as
  // it is signed (see sigV4CanonicalQuery).
  std::string query = request.query;
  std::vector<connectors::Header> signature;
  if (credentials_) {
    auto credentials = credentials_->current();
    if (!credentials) {
      out.error.code = connectors::ErrorCode::kInvalidArgument;
      out.error.message = "upstream.aws_sigv4: " + credentials.error();
      co_return out;
    }
    query = connectors::sigV4CanonicalQuery(request.query);
    signature = connectors::sigV4Headers(
        {request.method, request.path, query, host_header, request.body}, *credentials,
        config_.aws_sigv4->region, config_.aws_sigv4->service, std::chrono::system_clock::now());
  }
  auto connection = fresh ? nullptr : takeIdle(node);
  const bool reused = connection != nullptr;
  if (!connection) {
    connection = co_await open(node, where, deadline, out);
    if (!connection) co_return out;
  }
  beast::error_code ec;

  http::request<http::string_body> req;
  req.method_string(request.method);
  req.target(query.empty() ? request.path : request.path + "?" + query);
  req.version(11);
  req.set(http::field::host, host_header);
  for (const auto& h : request.headers) {
    // A signed request carries only the signer's x-amz- headers.
    if (credentials_ && h.name.size() > 6 && beast::iequals(h.name.substr(0, 6), "x-amz-")) continue;
    req.insert(h.name, h.value);
  }
  if (!authorization_.empty()) req.set(http::field::authorization, authorization_);
  for (const auto& h : signature) req.set(h.name, h.value);  // Authorization replaced
  req.keep_alive(true);
  req.body() = request.body;
  req.prepare_payload();

  connection->tcp().expires_at(deadline);
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxBody);
  // The answer to a HEAD has a Content-Length but no body.
  parser.skip(request.method == "HEAD");
  if (connection->secure) {
    co_await exchange(*connection->secure, connection->buffer, req, parser, ec);
  } else {
    co_await exchange(connection->plain, connection->buffer, req, parser, ec);
  }
  if (ec) {
    const bool timed_out = ec == beast::error::timeout;
    const bool partly = parser.got_some();
    // Nothing of an answer on a kept-alive connection: the engine closed it
    // while it was idle. A fresh one may try again.
    out.stale = reused && !timed_out && !partly;
    if (timed_out) {
      out.error = transportError(ErrorCode::kDeadlineExceeded, TransportCause::kTimeout,
                                 "deadline exceeded waiting for " + where + ": " + ec.message());
    } else if (partly) {  // an answer cut short, as the libcurl client words it
      out.error = transportError(ErrorCode::kBadResponse, TransportCause::kConnectionReset,
                                 "the answer from " + where + " was cut short: " + ec.message());
    } else {
      // A TLS engine that closed the connection without saying so first:
      // stream_truncated, as eof on a plain one.
      const bool reset = ec == asio::error::connection_reset || ec == http::error::end_of_stream ||
                         ec == asio::error::broken_pipe || ec == asio::error::eof ||
                         ec == ssl::error::stream_truncated;
      out.error = transportError(ErrorCode::kUnavailable,
                                 reset ? TransportCause::kConnectionReset : TransportCause::kOther,
                                 "request to " + where + " failed: " + ec.message());
    }
    co_return out;
  }
  auto message = parser.release();
  connectors::HttpResponse response;
  response.status = static_cast<int>(message.result_int());
  for (const auto& field : message) {
    response.headers.push_back({std::string(field.name_string()), std::string(field.value())});
  }
  response.body = std::move(message.body());
  if (message.keep_alive()) {
    connection->tcp().expires_never();
    giveBack(node, std::move(connection));
  }
  out.response = std::move(response);
  co_return out;
}

asio::awaitable<connectors::Result<connectors::HttpResponse>> AsyncUpstream::send(
    connectors::HttpRequest request, connectors::Deadline deadline) {
  constexpr int kTries = 2;  // as rerankd's libcurl client: one retry at most
  // The nodes in the order to try them: one that cannot be reached is
  // passed over at once without using up the retry; the retry goes to the
  // next node.
  const std::vector<std::size_t> order = nodes_->order();
  std::size_t at = 0;
  std::size_t unreachable_in_a_row = 0;
  Attempt last;
  for (int attempt = 0; attempt < kTries;) {
    // A node's failure counts once per request: in its first round.
    const bool first_round = at < order.size();
    const std::size_t node = order[at++ % order.size()];
    last = co_await once(request, node, deadline, /*fresh=*/false);
    if (!last.response && last.stale) {
      // The engine closed what was idle (a restart closes them all): the
      // others are as dead. Drop them and try once on a new connection.
      dropIdle(node);
      last = co_await once(request, node, deadline, /*fresh=*/true);
    }
    // A request that timed out after it was sent is not sent again: the
    // engine may still be running it.
    using Outcome = connectors::NodeSet::Outcome;
    nodes_->settle(node,
                   last.unreachable ? Outcome::kUnreachable
                   : !last.response && last.error.cause == TransportCause::kTimeout
                       ? Outcome::kNoAnswerInTime
                       : Outcome::kAnswered,
                   first_round);
    if (last.unreachable && ++unreachable_in_a_row < order.size()) continue;  // the next node, now
    unreachable_in_a_row = 0;
    // As the libcurl client: a refused connection, a failed lookup, or an
    // engine that says it is busy.
    const bool retryable =
        last.response ? (last.response->status == 429 || last.response->status == 502 ||
                         last.response->status == 503)
                      : last.error.cause == TransportCause::kConnectionRefused ||
                            last.error.cause == TransportCause::kDns;
    if (!retryable || ++attempt == kTries) break;
    // Full jitter up to 25 ms, and only when it leaves time to try.
    const auto pause = jitter();
    if (Clock::now() + pause >= deadline) break;
    asio::steady_timer timer(executor_, pause);
    beast::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  if (last.response) co_return std::move(*last.response);
  co_return std::unexpected(std::move(last.error));
}

}  // namespace rr::rerank
