// AsyncUpstream, the coroutine HTTP/1.1 client of the rerank path, against
// sockets on loopback: what it sends, kept-alive connections, refused
// connections, deadlines, retries, cut bodies. The io_context runs on threads
// of the test; each call is driven with co_spawn(use_future) and bounded by
// its deadline plus a margin, so a hang fails instead of blocking the run.
#include <catch2/catch.hpp>

// Boost 1.74's awaitable.hpp uses std::exchange without including <utility>.
#include <utility>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <future>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "rerank/async_upstream.h"
#include "tests/rerank/async_test_client.h"
#include "tests/support/fake_upstream.h"

namespace asio = boost::asio;
using namespace std::chrono_literals;
using rr::connectors::Clock;
using rr::connectors::ErrorCode;
using rr::connectors::HttpRequest;
using rr::connectors::HttpResponse;
using rr::connectors::Result;
using rr::connectors::TransportCause;
using rr::rerank::AsyncUpstream;
using rr::testing::CannedResponse;
using rr::testing::FakeUpstream;

namespace {

using Client = rr::testing::AsyncTestClient;

rr::config::UpstreamConfig configFor(const std::string& url) {
  rr::config::UpstreamConfig config;
  config.url = url;
  config.connect_timeout = 1000ms;
  return config;
}

HttpRequest searchRequest(std::string body = R"({"query":{"match_all":{}}})") {
  HttpRequest request;
  request.method = "POST";
  request.path = "/products/_search";
  request.headers.push_back({"Content-Type", "application/json"});
  request.body = std::move(body);
  return request;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// The values of the header `name` (case-insensitive) in a header block as
// received: request line, then "Name: value" lines separated by CRLF.
std::vector<std::string> headerValues(const std::string& head, const std::string& name) {
  std::vector<std::string> values;
  std::size_t start = head.find("\r\n");
  while (start != std::string::npos) {
    start += 2;
    const std::size_t end = head.find("\r\n", start);
    const std::string line = head.substr(start, end == std::string::npos ? end : end - start);
    const std::size_t colon = line.find(':');
    if (colon != std::string::npos && lower(line.substr(0, colon)) == lower(name)) {
      std::size_t v = colon + 1;
      while (v < line.size() && line[v] == ' ') ++v;
      values.push_back(line.substr(v));
    }
    start = end;
  }
  return values;
}

// A loopback HTTP/1.1 server that answers every request 200 "{}" and keeps
// the connection open, one thread per connection, and records each request
// whole. FakeUpstream keeps no bodies and serves one connection at a time;
// this one holds several kept-alive connections and can drop them all at
// once, as an engine restart does.
class KeepAliveServer {
 public:
  KeepAliveServer() {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listen_fd_ < 0) throw std::runtime_error("socket() failed");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listen_fd_, 16) != 0 ||
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      ::close(listen_fd_);
      throw std::runtime_error("bind/listen on 127.0.0.1 failed");
    }
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { acceptLoop(); });
  }

  ~KeepAliveServer() {
    stopping_ = true;
    acceptor_.join();
    dropAll();
    for (auto& t : connections_) t.join();
    ::close(listen_fd_);
  }

  KeepAliveServer(const KeepAliveServer&) = delete;
  KeepAliveServer& operator=(const KeepAliveServer&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int accepted() const { return accepted_.load(); }

  // Every request received so far: head, blank line and body, as sent.
  std::vector<std::string> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }

  // Answers nothing until `n` requests have arrived (or 5 s have passed),
  // so that n calls started together are in flight at once, each on its
  // own connection, however fast the first would otherwise be answered.
  void holdAnswersUntil(int n) {
    std::lock_guard lock(mu_);
    hold_until_ = n;
  }

  // Closes every open connection (FIN to the client); the server keeps
  // listening.
  void dropAll() {
    std::lock_guard lock(mu_);
    for (int fd : open_) ::shutdown(fd, SHUT_RDWR);
  }

 private:
  void acceptLoop() {
    while (!stopping_) {
      pollfd p{listen_fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      std::lock_guard lock(mu_);
      open_.push_back(fd);
      ++accepted_;
      connections_.emplace_back([this, fd] { serve(fd); });
    }
  }

  void serve(int fd) {
    static constexpr std::string_view kAnswer =
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}";
    std::string data;
    char buf[4096];
    for (;;) {
      const std::size_t head_end = data.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        std::size_t length = 0;
        const auto values = headerValues(data.substr(0, head_end), "Content-Length");
        if (!values.empty()) length = std::stoul(values.front());
        const std::size_t total = head_end + 4 + length;
        if (data.size() >= total) {
          {
            std::unique_lock lock(mu_);
            requests_.push_back(data.substr(0, total));
            arrived_.notify_all();
            arrived_.wait_for(lock, std::chrono::seconds(5), [this] {
              return static_cast<int>(requests_.size()) >= hold_until_;
            });
          }
          data.erase(0, total);
          if (::send(fd, kAnswer.data(), kAnswer.size(), MSG_NOSIGNAL) !=
              static_cast<ssize_t>(kAnswer.size())) {
            break;
          }
          continue;
        }
      }
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      data.append(buf, static_cast<std::size_t>(n));
    }
    // Closed under the lock, so dropAll() never touches a reused descriptor.
    std::lock_guard lock(mu_);
    open_.erase(std::find(open_.begin(), open_.end(), fd));
    ::close(fd);
  }

  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> accepted_{0};
  mutable std::mutex mu_;
  std::condition_variable arrived_;
  int hold_until_ = 0;
  std::vector<int> open_;
  std::vector<std::string> requests_;
  std::vector<std::thread> connections_;
  std::thread acceptor_;
};

}  // namespace

TEST_CASE("a 200 comes back with its status, headers and body", "[component][async_upstream]") {
  const std::string answer = R"({"took":3,"hits":{"hits":[]}})";
  FakeUpstream server({CannedResponse{.status = 200, .body = answer}});
  Client client(configFor(server.url()));
  auto r = client.send(searchRequest(), 5000ms);
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->body == answer);
  CHECK(r->header("Content-Type") == "application/json");
  CHECK(r->header("Content-Length") == std::to_string(answer.size()));
  CHECK(server.requestsSeen() == 1);
}

TEST_CASE("a body of megabytes comes back byte for byte and its connection is reused",
          "[component][async_upstream]") {
  // Larger than the connection's 64 KB read buffer: it arrives over many
  // reads, into a body reserved once with the JSON parser's padding.
  std::string answer(3 << 20, ' ');
  uint32_t x = 12345;
  for (char& c : answer) {
    x = x * 1664525u + 1013904223u;
    c = static_cast<char>(' ' + (x >> 24) % 95);
  }
  FakeUpstream server({CannedResponse{.status = 200, .body = answer},
                       CannedResponse{.status = 200, .body = "{}"}});
  Client client(configFor(server.url()));
  auto r = client.send(searchRequest(), 10000ms);
  REQUIRE(r);
  CHECK(r->status == 200);
  REQUIRE(r->body.size() == answer.size());
  CHECK(r->body == answer);
  CHECK(r->body.capacity() >= answer.size() + 64);  // the JSON parser's padding
  auto next = client.send(searchRequest(), 5000ms);
  REQUIRE(next);
  CHECK(next->body == "{}");
  CHECK(client.upstream().connectionsOpened() == 1);
}

TEST_CASE("a chunked body comes back whole", "[component][async_upstream]") {
  // One connection, answered in chunks a few milliseconds apart.
  const int listen_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(listen_fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  REQUIRE(::bind(listen_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::listen(listen_fd, 1) == 0);
  REQUIRE(::getsockname(listen_fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  const std::vector<std::string> chunks = {R"({"took":1,)", R"("hits":{"hits":[)",
                                           std::string(100000, ' '), "]}}"};
  std::jthread server([&] {  // joined on the way out, even when a REQUIRE fails
    const int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) return;
    std::string head;
    char buf[4096];
    while (head.find("\r\n\r\n") == std::string::npos) {
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      head.append(buf, static_cast<std::size_t>(n));
    }
    std::string out = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                      "Transfer-Encoding: chunked\r\n\r\n";
    for (const auto& chunk : chunks) {
      char size[32];
      std::snprintf(size, sizeof size, "%zx\r\n", chunk.size());
      out += size + chunk + "\r\n";
      ::send(fd, out.data(), out.size(), MSG_NOSIGNAL);
      out.clear();
      std::this_thread::sleep_for(5ms);
    }
    ::send(fd, "0\r\n\r\n", 5, MSG_NOSIGNAL);
    std::this_thread::sleep_for(200ms);
    ::close(fd);
  });
  {
    Client client(configFor("http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port))));
    auto r = client.send(searchRequest(), 5000ms);
    REQUIRE(r);
    CHECK(r->status == 200);
    std::string whole;
    for (const auto& chunk : chunks) whole += chunk;
    CHECK(r->body == whole);
  }
  server.join();
  ::close(listen_fd);
}

TEST_CASE("the request line, Host and body headers reach the server as given",
          "[component][async_upstream]") {
  FakeUpstream server({CannedResponse{}});
  Client client(configFor(server.url()));
  HttpRequest request = searchRequest(R"({"size":10,"query":{"match":{"title":"red shoe"}}})");
  request.query = "size=10&from=0";
  request.headers.push_back({"X-Opaque-Id", "trace-17"});
  auto r = client.send(request, 5000ms);
  REQUIRE(r);
  REQUIRE(server.requestLines().size() == 1);
  CHECK(server.requestLines()[0] == "POST /products/_search?size=10&from=0 HTTP/1.1");
  const std::string head = server.requestHeads().at(0);
  CHECK(headerValues(head, "Host") ==
        std::vector<std::string>{"127.0.0.1:" + std::to_string(server.port())});
  CHECK(headerValues(head, "Content-Length") ==
        std::vector<std::string>{std::to_string(request.body.size())});
  CHECK(headerValues(head, "Content-Type") == std::vector<std::string>{"application/json"});
  CHECK(headerValues(head, "X-Opaque-Id") == std::vector<std::string>{"trace-17"});
  // No credentials configured: none sent.
  CHECK(headerValues(head, "Authorization").empty());
}

TEST_CASE("the request body reaches the server byte for byte", "[component][async_upstream]") {
  KeepAliveServer server;
  Client client(configFor(server.url()));
  const std::string body = R"({"query":{"match":{"title":"caf\u00e9 \"latte\""}},"size":)" +
                           std::string(5000, ' ') + "20}";
  auto r = client.send(searchRequest(body), 5000ms);
  REQUIRE(r);
  CHECK(r->status == 200);
  const auto requests = server.requests();
  REQUIRE(requests.size() == 1);
  const std::size_t head_end = requests[0].find("\r\n\r\n");
  REQUIRE(head_end != std::string::npos);
  CHECK(requests[0].substr(head_end + 4) == body);
}

TEST_CASE("configured credentials are sent as Basic authorization",
          "[component][async_upstream]") {
  FakeUpstream server({CannedResponse{}});
  auto config = configFor(server.url());
  std::string expected;
  SECTION("user and password") {
    // RFC 7617's example (19 bytes: two padding characters).
    config.user = "Aladdin";
    config.password = "open sesame";
    expected = "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==";
  }
  SECTION("a user without a password") {
    // "abcd:" (5 bytes: one padding character).
    config.user = "abcd";
    expected = "Basic YWJjZDo=";
  }
  Client client(config);
  auto r = client.send(searchRequest(), 5000ms);
  REQUIRE(r);
  REQUIRE(server.requestHeads().size() == 1);
  CHECK(headerValues(server.requestHeads()[0], "Authorization") ==
        std::vector<std::string>{expected});
}

// FakeUpstream keeps a connection open until the client closes it (or a
// cut_body answer), serving one connection at a time: a client that did not
// reuse its connection would open a second one, or wait on the backlog.
TEST_CASE("sequential requests reuse one kept-alive connection", "[component][async_upstream]") {
  FakeUpstream server({CannedResponse{}});
  const int threads = GENERATE(1, 2);
  Client client(configFor(server.url()), threads);
  for (int i = 0; i < 3; ++i) {
    auto r = client.send(searchRequest(), 5000ms);
    REQUIRE(r);
    CHECK(r->status == 200);
  }
  CHECK(server.requestsSeen() == 3);
  CHECK(client.upstream().connectionsOpened() == 1);
}

TEST_CASE("a kept-alive connection the engine closed is replaced without an error",
          "[component][async_upstream]") {
  KeepAliveServer server;
  Client client(configFor(server.url()));
  REQUIRE(client.send(searchRequest(), 5000ms));
  REQUIRE(client.upstream().connectionsOpened() == 1);
  server.dropAll();
  auto r = client.send(searchRequest(), 5000ms);
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(client.upstream().connectionsOpened() == 2);
  CHECK(server.requests().size() == 2);
}

// After an engine restart every idle connection is dead: the replay after
// the first stale one must not take another of them (with 4 idle ones both
// tries and both replays used to hit dead connections).
TEST_CASE("after the engine drops every idle connection the next call still succeeds",
          "[component][async_upstream]") {
  KeepAliveServer server;
  server.holdAnswersUntil(4);
  Client client(configFor(server.url()));
  std::vector<std::future<Result<HttpResponse>>> calls;
  for (int i = 0; i < 4; ++i) calls.push_back(client.start(searchRequest(), 5000ms));
  for (auto& call : calls) REQUIRE(Client::wait(std::move(call), 5000ms));
  REQUIRE(client.upstream().connectionsOpened() == 4);
  server.dropAll();
  auto r = client.send(searchRequest(), 5000ms);
  REQUIRE(r);
  CHECK(r->status == 200);
}

TEST_CASE("a refused connection is unavailable with the cause connection refused, quickly",
          "[component][async_upstream]") {
  Client client(configFor("http://127.0.0.1:" + std::to_string(rr::testing::closedPort())));
  const auto start = Clock::now();
  auto r = client.send(searchRequest(), 10000ms);
  const auto elapsed = Clock::now() - start;
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::kUnavailable);
  CHECK(r.error().cause == TransportCause::kConnectionRefused);
  CHECK(elapsed < 5s);
  CHECK(client.upstream().connectionsOpened() == 0);
}

namespace {

// A call to `url` with a 400 ms deadline ends in a timeout, at the deadline.
void expectDeadline(const std::string& url) {
  Client client(configFor(url));
  const auto start = Clock::now();
  auto r = client.send(searchRequest(), 400ms);
  const auto elapsed = Clock::now() - start;
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::kDeadlineExceeded);
  CHECK(r.error().cause == TransportCause::kTimeout);
  CHECK(elapsed >= 350ms);
  CHECK(elapsed < 5s);
}

}  // namespace

TEST_CASE("a server that accepts but never answers trips the deadline",
          "[component][async_upstream]") {
  rr::testing::SilentListener silent;
  expectDeadline(silent.url());
}

TEST_CASE("a stalled response trips the deadline and is not retried",
          "[component][async_upstream]") {
  FakeUpstream server({CannedResponse{.stall = true}});
  expectDeadline(server.url());
  CHECK(server.requestsSeen() == 1);
}

TEST_CASE("a 429, 502 or 503 is retried once and the second answer comes back",
          "[component][async_upstream]") {
  const int status = GENERATE(429, 502, 503);
  FakeUpstream server({CannedResponse{.status = status, .body = R"({"status":"busy"})"},
                       CannedResponse{.status = 200, .body = R"({"hits":{}})"}});
  Client client(configFor(server.url()), 2);
  auto r = client.send(searchRequest(), 5000ms);
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->body == R"({"hits":{}})");
  CHECK(server.requestsSeen() == 2);
}

TEST_CASE("a second 503 comes back as the response with no third try",
          "[component][async_upstream]") {
  const std::string busy = R"({"error":{"type":"cluster_block_exception"},"status":503})";
  FakeUpstream server({CannedResponse{.status = 503, .body = busy}});
  Client client(configFor(server.url()));
  auto r = client.send(searchRequest(), 5000ms);
  REQUIRE(r);
  CHECK(r->status == 503);
  CHECK(r->body == busy);
  CHECK(server.requestsSeen() == 2);
}

TEST_CASE("a 500 comes back as the response without a retry", "[component][async_upstream]") {
  FakeUpstream server({CannedResponse{.status = 500, .body = R"({"status":500})"},
                       CannedResponse{.status = 200}});
  Client client(configFor(server.url()));
  auto r = client.send(searchRequest(), 5000ms);
  REQUIRE(r);
  CHECK(r->status == 500);
  CHECK(server.requestsSeen() == 1);
}

TEST_CASE("a body cut short is an error, not a response, and its connection is not reused",
          "[component][async_upstream]") {
  FakeUpstream server({CannedResponse{.status = 200, .body = R"({"hits":)", .cut_body = true},
                       CannedResponse{.status = 200, .body = "{}"}});
  Client client(configFor(server.url()));
  const auto start = Clock::now();
  auto r = client.send(searchRequest(), 5000ms);
  const auto elapsed = Clock::now() - start;
  REQUIRE_FALSE(r);
  // As the libcurl client words it: an answer the engine cut short.
  CHECK(r.error().code == ErrorCode::kBadResponse);
  CHECK(r.error().cause == rr::connectors::TransportCause::kConnectionReset);
  CHECK(elapsed < 4s);
  CHECK(server.requestsSeen() == 1);
  // The next call opens a new connection and gets the whole answer.
  auto next = client.send(searchRequest(), 5000ms);
  REQUIRE(next);
  CHECK(next->status == 200);
  CHECK(next->body == "{}");
  CHECK(client.upstream().connectionsOpened() == 2);
}

TEST_CASE("http and https upstreams are usable and not another scheme or a CA file that is "
          "not one", "[component][async_upstream]") {
  asio::io_context ioc;
  CHECK(AsyncUpstream(ioc.get_executor(), configFor("http://127.0.0.1:9200")).usable());
  CHECK(AsyncUpstream(ioc.get_executor(), configFor("https://127.0.0.1:9200")).usable());
  CHECK_FALSE(AsyncUpstream(ioc.get_executor(), configFor("ftp://127.0.0.1:9200")).usable());
  // Not a certificate: the libcurl client, on the worker pool, reports it.
  auto not_a_ca = configFor("https://127.0.0.1:9200");
  not_a_ca.ca_file = "/proc/self/status";
  CHECK_FALSE(AsyncUpstream(ioc.get_executor(), not_a_ca).usable());
}
