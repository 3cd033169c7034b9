#include "rerank/server.h"

// Boost 1.74's awaitable.hpp uses std::exchange without including <utility>.
#include <utility>

#include <boost/asio.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <mutex>
#include <optional>

#include "rerank/node_discovery.h"
#include "rerank/request_body.h"

namespace rr::rerank {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

class Session;

}  // namespace

struct Server::Impl {
  config::ListenConfig listen;
  Handler& handler;
  std::function<void(const std::string&)> access_log;
  // Declared before the io_context: sessions still queued in it when it is
  // destroyed update these on their way out.
  std::atomic<std::size_t> open{0};
  std::atomic<std::size_t> busy{0};  // requests being handled or written
  std::atomic<bool> stopping{false};
  // One io_context per I/O thread, each run by its thread alone: a
  // connection, and the engine connections its searches use, stay on one
  // thread, so no completion wakes another thread to run it (with one
  // io_context shared by all threads, those hand-offs cost more CPU than the
  // engine calls themselves). The acceptor lives on the first.
  std::vector<std::unique_ptr<asio::io_context>> iocs;
  asio::thread_pool workers;
  tcp::acceptor acceptor;
  std::vector<std::thread> threads;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  std::size_t next_io = 0;  // round robin over iocs (the acceptor's thread only)
  // Per io_context, the engine client of its thread, for the current
  // upstream config (rebuilt when a reload changes it). After iocs: their
  // connections close before the io_contexts go.
  struct IoUpstream {
    std::mutex mu;
    // The config last checked against, held so its address stays its own.
    std::shared_ptr<const config::Config> seen;
    std::uint64_t seen_found = 0;  // the discovery generation last checked against
    config::UpstreamConfig config;
    std::shared_ptr<AsyncUpstream> client;
  };
  std::vector<std::unique_ptr<IoUpstream>> upstreams;
  // Per io_context, its connections for the idle sweep: each connection
  // keeps the deadline of the read or write it waits on, and a timer per
  // io_context compares them with the clock every `sweep_every`. A timeout
  // on the socket itself would arm and cancel a timer around every read and
  // write, and re-arming the io_context's earliest timer is a system call
  // (timerfd_settime): 6% of rerankd's CPU per search. After iocs: the
  // timers go before their io_contexts.
  struct Sweep {
    explicit Sweep(asio::io_context& io) : timer(io) {}
    asio::steady_timer timer;
    std::vector<std::weak_ptr<Session>> sessions;  // its io_context's thread only
  };
  std::vector<std::unique_ptr<Sweep>> sweeps;
  Clock::duration sweep_every;
  // Every kCheckEvery on the first io_context: the engine's down nodes whose
  // pause is over are checked from here (AsyncUpstream::probe, `HEAD /`)
  // rather than by a shopper's search, and a reload's new client is made (so
  // /metrics shows its nodes without waiting for a request).
  static constexpr std::chrono::milliseconds kCheckEvery{250};
  std::optional<asio::steady_timer> check_timer;
  // The nodes `upstream.discover_nodes` finds (rerank/node_discovery.h)
  // are asked for from the check above and kept by the handler (its
  // libcurl client sends to them too); `found_generation` moves when they
  // change, and each thread's client is then made again with them.
  std::atomic<std::uint64_t> found_generation{0};
  // The first io_context's thread only: when the next ask is due, when the
  // last one was sent, and the node failures counted by then. A node that
  // failed since brings the next ask forward, to kRediscoverAfter after the
  // last: a cluster that replaced a node is followed within seconds, not at
  // the next interval (as the official clients resniff on a failure).
  static constexpr std::chrono::seconds kRediscoverAfter{10};
  Clock::time_point next_discovery{};
  Clock::time_point last_discovery{};
  std::size_t failures_at_discovery = 0;
  bool discovering = false;

  Impl(const config::ListenConfig& l, Handler& h, int n,
       std::function<void(const std::string&)> log)
      : listen(l), handler(h), access_log(std::move(log)),
        iocs(makeIos(std::max(1, l.threads))),
        workers(static_cast<std::size_t>(n)), acceptor(*iocs.front()),
        // A connection closes at most a quarter of its timeout late.
        sweep_every(std::clamp<Clock::duration>(l.idle_timeout / 4, std::chrono::milliseconds(10),
                                                std::chrono::seconds(1))) {
    for (std::size_t i = 0; i < iocs.size(); ++i) {
      upstreams.push_back(std::make_unique<IoUpstream>());
      sweeps.push_back(std::make_unique<Sweep>(*iocs[i]));
    }
  }

  static std::vector<std::unique_ptr<asio::io_context>> makeIos(int n) {
    std::vector<std::unique_ptr<asio::io_context>> out;
    for (int i = 0; i < n; ++i) out.push_back(std::make_unique<asio::io_context>(1));
    return out;
  }

  void accept();
  // Closes io_context `io`'s connections whose deadline has passed, and
  // comes back after `sweep_every`.
  void sweep(std::size_t io);
  void checkNodes();
  // Asks the cluster for its nodes through `client`; on an answer that
  // changes them, the clients are made again with them.
  asio::awaitable<void> discoverNodes(std::shared_ptr<AsyncUpstream> client,
                                      config::UpstreamConfig upstream);
  // Whether to ask now (the interval is over, or a node failed since the
  // last ask); if so, notes the ask.
  bool discoveryDue(const connectors::NodeSet& nodes);

  // The nodes to send to under `c`: its own, and those found when it asks.
  std::vector<std::string> nodesFor(const config::UpstreamConfig& c) {
    if (!c.discover_nodes) return c.nodes();
    return withDiscovered(c.nodes(), handler.discovered());
  }

  // The process's view of the engine's nodes (connectors::NodeSet::shared:
  // every thread's client and the libcurl one share it), shown in /metrics.
  std::shared_ptr<connectors::NodeSet> sharedNodes(const std::vector<std::string>& urls) {
    auto nodes = connectors::NodeSet::shared(urls);
    handler.metrics().setUpstreamNodes(nodes);
    return nodes;
  }

  // The client of io_context `io` for `rt`'s upstream; null when it cannot
  // serve it (a CA file OpenSSL cannot load).
  std::shared_ptr<AsyncUpstream> asyncUpstream(std::size_t io, const Runtime& rt) {
    IoUpstream& u = *upstreams[io];
    std::lock_guard lock(u.mu);
    // Compared only when a reload brought a new config, or discovery new nodes.
    const std::uint64_t generation = found_generation.load(std::memory_order_acquire);
    if (u.seen != rt.config || u.seen_found != generation) {
      config::UpstreamConfig c = rt.config->upstream;
      c.urls = nodesFor(c);
      c.url = c.urls.front();
      // Any change (nodes, credentials, TLS files, timeouts): a new client.
      if (!u.client || c != u.config) {
        u.client = std::make_shared<AsyncUpstream>(iocs[io]->get_executor(), c, sharedNodes(c.urls));
        u.config = c;
      }
      u.seen = rt.config;
      u.seen_found = generation;
    }
    return u.client->usable() ? u.client : nullptr;
  }
};

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Server::Impl& server, std::size_t io)
      : socket_(std::move(socket)), server_(server), io_(io) {
    beast::error_code ec;
    const auto ep = socket_.remote_endpoint(ec);
    if (!ec) remote_ = ep.address().to_string() + ":" + std::to_string(ep.port());
  }
  ~Session() { server_.open.fetch_sub(1); }

  void run() {
    asio::dispatch(socket_.get_executor(), [self = shared_from_this()] {
      self->server_.sweeps[self->io_]->sessions.push_back(self);
      self->read();
    });
  }

  // From the sweep, on this connection's thread: past the deadline of the
  // read or write it waits on, the connection is closed (which ends that
  // operation with operation_aborted).
  void expireIfIdle(Clock::time_point now) {
    if (now < deadline_) return;
    deadline_ = Clock::time_point::max();
    close();
  }

 private:
  void read() {
    if (server_.stopping.load()) return close();
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(server_.listen.max_header_bytes));
    parser_->body_limit(server_.listen.max_body_bytes);
    deadline_ = Clock::now() + server_.listen.idle_timeout;
    // The head first: a client that sent `Expect: 100-continue` (curl for
    // bodies over 1 MB, among others) waits for an interim answer before
    // it sends the body, and without one it waits a whole second.
    http::async_read_header(socket_, buffer_, *parser_,
                            beast::bind_front_handler(&Session::onHeader, shared_from_this()));
  }

  void onHeader(beast::error_code ec, std::size_t) {
    if (ec) return onRead(ec, 0);
    const auto& head = parser_->get();
    if (!beast::iequals(head[http::field::expect], "100-continue") || parser_->is_done()) {
      return readBody();
    }
    if (const auto length = parser_->content_length();
        length && *length > server_.listen.max_body_bytes) {
      return onRead(http::error::body_limit, 0);  // refused before the client sends it
    }
    auto interim = std::make_shared<http::response<http::empty_body>>(http::status::continue_, 11);
    http::async_write(socket_, *interim,
                      [self = shared_from_this(), interim](beast::error_code wec, std::size_t) {
                        if (wec) return self->close();
                        self->readBody();
                      });
  }

  void readBody() {
    http::async_read(socket_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::onRead, shared_from_this()));
  }

  void onRead(beast::error_code ec, std::size_t) {
    deadline_ = Clock::time_point::max();  // handling: the search has its own deadlines
    if (ec == http::error::end_of_stream || ec == asio::error::operation_aborted) {
      return close();
    }
    if (ec == http::error::body_limit) {
      return reply(errorResponse(413, "rerank_request_too_large",
                                 "request body over listen.max_body_bytes"),
                   false);
    }
    if (ec == http::error::header_limit) {
      return reply(errorResponse(431, "rerank_request_too_large",
                                 "request headers over listen.max_header_bytes"),
                   false);
    }
    if (ec) {
      return reply(errorResponse(400, "parse_exception", "malformed HTTP request: " + ec.message()),
                   false);
    }
    auto msg = parser_->release();
    Request request;
    request.method = std::string(msg.method_string());
    request.target = std::string(msg.target());
    for (const auto& field : msg) {
      request.headers.push_back({std::string(field.name_string()), std::string(field.value())});
    }
    request.body = std::move(msg.body());
    request.remote = remote_;
    const bool keep_alive = msg.keep_alive();
    if (BodyDecodeError bad; !decodeRequestBody(request, server_.listen.max_body_bytes, bad)) {
      return reply(errorResponse(bad.status,
                                 bad.status == 413 ? "rerank_request_too_large" : "parse_exception",
                                 bad.reason),
                   keep_alive);
    }
    server_.busy.fetch_add(1);
    // A rerank-path search awaits the engine right here, on this
    // connection's io_context: no thread hand-off, no blocked thread.
    const auto rt = server_.handler.runtime();
    if (const StorefrontRuntime* sf = server_.handler.ioSearch(*rt, request)) {
      if (auto upstream = server_.asyncUpstream(io_, *rt)) {
        auto shared = std::make_shared<const Request>(std::move(request));
        awaitOnIo(server_.handler.searchOnIo(rt, sf, shared, std::move(upstream)), shared,
                  keep_alive, sf->config->name, "the search failed inside rerankd");
        return;
      }
    }
    // An `_msearch`, a request passed to the engine as it is, readiness:
    // the same, without blocking a worker on the engine.
    const Handler::IoWork work_kind = server_.handler.ioWork(*rt, request);
    if (work_kind != Handler::IoWork::kNone) {
      if (auto upstream = server_.asyncUpstream(io_, *rt)) {
        auto shared = std::make_shared<const Request>(std::move(request));
        std::string storefront = server_.handler.storefrontFor(*shared);
        Handler& h = server_.handler;
        switch (work_kind) {
          case Handler::IoWork::kMsearch:
            awaitOnIo(h.msearchOnIo(rt, shared, std::move(upstream)), shared, keep_alive,
                      std::move(storefront), "the search failed inside rerankd");
            return;
          case Handler::IoWork::kReady:
            awaitOnIo(h.readyOnIo(rt, std::move(upstream)), shared, keep_alive,
                      std::move(storefront), "the readiness check failed inside rerankd");
            return;
          default:
            awaitOnIo(h.forwardOnIo(rt, shared, std::move(upstream)), shared, keep_alive,
                      std::move(storefront), "the request failed inside rerankd");
            return;
        }
      }
    }
    // Everything else blocks on the engine: run it on the worker pool, then
    // come back to this connection's executor to write.
    asio::post(server_.workers, [self = shared_from_this(), request = std::move(request),
                                 keep_alive]() mutable {
      const auto start = Clock::now();
      Response response = self->server_.handler.handle(request);
      if (self->server_.access_log) {
        self->server_.access_log(Handler::accessLogLine(
            request, response, self->server_.handler.storefrontFor(request),
            std::chrono::duration<double>(Clock::now() - start).count()));
      }
      asio::post(self->socket_.get_executor(),
                 [self, response = std::move(response), keep_alive]() mutable {
                   self->reply(std::move(response), keep_alive, /*counted=*/true);
                 });
    });
  }

  // Runs `work` on this connection's io_context (its thread): the engine's
  // answer resumes it on the thread that read it. Then the access log line
  // and the reply.
  void awaitOnIo(asio::awaitable<Response> work, std::shared_ptr<const Request> request,
                 bool keep_alive, std::string storefront, const char* failure) {
    const auto start = Clock::now();
    asio::co_spawn(
        server_.iocs[io_]->get_executor(), std::move(work),
        [self = shared_from_this(), request = std::move(request), keep_alive, start,
         storefront = std::move(storefront), failure](std::exception_ptr failed,
                                                      Response response) mutable {
          if (failed) response = errorResponse(500, "rerank_internal_exception", failure);
          if (self->server_.access_log) {
            self->server_.access_log(Handler::accessLogLine(
                *request, response, storefront,
                std::chrono::duration<double>(Clock::now() - start).count()));
          }
          asio::dispatch(self->socket_.get_executor(),
                         [self, response = std::move(response), keep_alive]() mutable {
                           self->reply(std::move(response), keep_alive, /*counted=*/true);
                         });
        });
  }

  void reply(Response response, bool keep_alive, bool counted = false) {
    auto res = std::make_shared<http::response<http::string_body>>();
    res->version(11);
    res->result(static_cast<unsigned>(response.status));
    for (auto& h : response.headers) res->set(h.name, h.value);
    res->body() = std::move(response.body);
    res->keep_alive(keep_alive && !server_.stopping.load());
    res->prepare_payload();
    deadline_ = Clock::now() + server_.listen.idle_timeout;
    http::async_write(socket_, *res,
                      [self = shared_from_this(), res, counted](beast::error_code ec, std::size_t) {
                        self->deadline_ = Clock::time_point::max();
                        if (counted) self->server_.busy.fetch_sub(1);
                        if (ec || !res->keep_alive()) return self->close();
                        self->read();
                      });
  }

  void close() {
    beast::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_send, ec);
    socket_.close(ec);
  }

  tcp::socket socket_;
  Clock::time_point deadline_ = Clock::time_point::max();
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  Server::Impl& server_;
  std::size_t io_;  // the io_context (and thread) this connection lives on
  std::string remote_;
};

}  // namespace

void Server::Impl::sweep(std::size_t io) {
  Sweep& s = *sweeps[io];
  s.timer.expires_after(sweep_every);
  s.timer.async_wait([this, io](beast::error_code ec) {
    if (ec || stopping.load()) return;
    auto& sessions = sweeps[io]->sessions;
    const auto now = Clock::now();
    std::erase_if(sessions, [now](const std::weak_ptr<Session>& weak) {
      auto session = weak.lock();
      if (!session) return true;  // gone
      session->expireIfIdle(now);
      return false;
    });
    sweep(io);
  });
}

void Server::Impl::checkNodes() {
  check_timer->expires_after(kCheckEvery);
  check_timer->async_wait([this](beast::error_code ec) {
    if (ec || stopping.load()) return;
    if (const auto rt = handler.runtime()) {
      if (auto client = asyncUpstream(0, *rt)) {
        client->nodes()->setProbed();
        for (const std::size_t node : client->nodes()->dueForProbe()) {
          asio::co_spawn(*iocs.front(), AsyncUpstream::probe(client, node), asio::detached);
        }
        const auto& upstream = rt->config->upstream;
        if (upstream.discover_nodes && !discovering && discoveryDue(*client->nodes())) {
          discovering = true;
          asio::co_spawn(*iocs.front(), discoverNodes(client, upstream), asio::detached);
        }
      }
    }
    checkNodes();
  });
}

bool Server::Impl::discoveryDue(const connectors::NodeSet& nodes) {
  std::size_t failures = 0;
  for (std::size_t i = 0; i < nodes.size(); ++i) failures += nodes.failures(i);
  // A new node list (a reload, a discovery) counts its failures from 0.
  if (failures < failures_at_discovery) failures_at_discovery = failures;
  const auto now = Clock::now();
  const bool due = now >= next_discovery ||
                   (failures > failures_at_discovery && now >= last_discovery + kRediscoverAfter);
  if (due) {
    last_discovery = now;
    failures_at_discovery = failures;
  }
  return due;
}

asio::awaitable<void> Server::Impl::discoverNodes(std::shared_ptr<AsyncUpstream> client,
                                                   config::UpstreamConfig upstream) {
  const std::string scheme = upstream.url.starts_with("https://") ? "https" : "http";
  const std::chrono::seconds every = upstream.discover_interval;
  connectors::HttpRequest request;
  request.method = "GET";
  request.path = std::string(kNodesHttpPath);
  request.query = std::string(kNodesHttpQuery);
  auto answer = co_await client->send(std::move(request), Clock::now() + std::chrono::seconds(10));
  std::expected<std::vector<std::string>, std::string> nodes =
      std::unexpected(std::string("no answer"));
  if (!answer) {
    nodes = std::unexpected(answer.error().message);
  } else if (answer->status != 200) {
    // The engine's own reason; refused, what to grant (or to turn off).
    nodes = std::unexpected(connectors::engineErrorFromResponse(*answer).message +
                            (answer->status == 401 || answer->status == 403
                                 ? " (rerankd's user needs cluster:monitor/nodes/info, or set "
                                   "discover_nodes: false)"
                                 : ""));
  } else {
    nodes = parseNodesHttp(answer->body, scheme);
    if (nodes && nodes->empty()) nodes = std::unexpected(std::string("no nodes listed"));
  }
  // Not the configured nodes again under other names: a cluster of only
  // those adds none.
  std::vector<std::string> added;
  if (nodes) {
    added = co_await notConfigured(*nodes, upstream.nodes(), std::chrono::seconds(2));
  }
  // Asked again after the interval; after a failure, within 10 s.
  next_discovery = Clock::now() + (nodes ? every : std::min<Clock::duration>(every, std::chrono::seconds(10)));
  discovering = false;
  handler.metrics().countDiscovery(nodes ? "listed" : "failed");
  if (!nodes) {
    std::cerr << "rerankd: upstream.discover_nodes: cannot list the cluster's nodes, keeping "
                 "the ones known: "
              << nodes.error() << "\n";
    co_return;
  }
  if (added == handler.discovered()) co_return;
  handler.setDiscovered(added);
  std::string list;
  for (const auto& url : *nodes) list += (list.empty() ? "" : ", ") + url;
  std::cerr << "rerankd: upstream.discover_nodes: the cluster lists " << list << " ("
            << added.size() << " not configured)\n";
  found_generation.fetch_add(1, std::memory_order_release);
}

void Server::Impl::accept() {
  const std::size_t io = next_io;
  next_io = (next_io + 1) % iocs.size();
  // Each io_context runs on one thread: its connections need no strand.
  acceptor.async_accept(*iocs[io], [this, io](beast::error_code ec, tcp::socket socket) {
    if (ec || stopping.load()) return;
    if (open.load() >= static_cast<std::size_t>(listen.max_connections)) {
      beast::error_code ignored;
      socket.close(ignored);  // over the cap: refuse rather than queue
    } else {
      open.fetch_add(1);
      std::make_shared<Session>(std::move(socket), *this, io)->run();
    }
    accept();
  });
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() { stop(); }

std::expected<std::unique_ptr<Server>, std::string> Server::create(
    const config::ListenConfig& listen, Handler& handler, int workers,
    std::function<void(const std::string&)> access_log) {
  auto impl = std::make_unique<Impl>(listen, handler, std::max(1, workers), std::move(access_log));
  beast::error_code ec;
  const auto where = listen.address + ":" + std::to_string(listen.port);
  tcp::resolver resolver(*impl->iocs.front());
  auto results = resolver.resolve(listen.address, std::to_string(listen.port), ec);
  if (ec || results.empty()) return std::unexpected("listen " + where + ": " + ec.message());
  const tcp::endpoint endpoint = *results.begin();
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return std::unexpected("listen " + where + ": " + ec.message());
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

uint16_t Server::port() const { return impl_->acceptor.local_endpoint().port(); }

std::size_t Server::openConnections() const { return impl_->open.load(); }

void Server::start() {
  for (auto& ioc : impl_->iocs) impl_->guards.push_back(asio::make_work_guard(*ioc));
  for (std::size_t io = 0; io < impl_->iocs.size(); ++io) {
    asio::post(*impl_->iocs[io], [this, io] { impl_->sweep(io); });
  }
  // The engine clients now, not at the first request: /metrics shows the
  // nodes from the start.
  if (const auto rt = impl_->handler.runtime()) {
    for (std::size_t io = 0; io < impl_->iocs.size(); ++io) impl_->asyncUpstream(io, *rt);
  }
  impl_->check_timer.emplace(*impl_->iocs.front());
  asio::post(*impl_->iocs.front(), [this] { impl_->checkNodes(); });
  impl_->accept();
  for (auto& ioc : impl_->iocs) {
    impl_->threads.emplace_back([io = ioc.get()] { io->run(); });
  }
}

void Server::stop() {
  if (!impl_ || impl_->stopping.exchange(true)) return;
  asio::post(*impl_->iocs.front(), [this] {
    beast::error_code ec;
    impl_->acceptor.close(ec);
  });
  // Let requests already being handled finish and be written.
  const auto until = Clock::now() + impl_->listen.drain_timeout;
  while (impl_->busy.load() > 0 && Clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  impl_->guards.clear();
  for (auto& ioc : impl_->iocs) ioc->stop();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
  impl_->workers.join();
}

}  // namespace rr::rerank
