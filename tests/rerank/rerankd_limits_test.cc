// rerankd's own limits, on raw sockets: request body and header size, the
// idle timeout, the connection cap, and requests broken in every way. No engine is needed: nothing here
// reaches the upstream.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <string>

#include "tests/rerank/rerankd_process.h"
#include "tests/support/mutations.h"

using namespace rr::testing;

namespace {

std::filesystem::path freshDir(const std::string& tag) {
  auto dir = std::filesystem::temp_directory_path() /
             ("rr-rerankd-limits-" + tag + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

// A rerankd with small limits; its upstream is never called.
struct Limited {
  std::filesystem::path dir;
  std::unique_ptr<RerankdProcess> rerankd;
  int port = 0;

  explicit Limited(const std::string& tag, int idle_timeout_ms = 300) : dir(freshDir(tag)) {
    const std::string model = saveRandomModel(dir, "limits-v1", 1);
    rerankd = std::make_unique<RerankdProcess>(
        dir, "upstream:\n  url: http://127.0.0.1:9\nlisten:\n  port: 0\n"
             "  max_header_bytes: 1024\n  max_body_bytes: 1024\n  idle_timeout_ms: " +
             std::to_string(idle_timeout_ms) + "\n"
             "  max_connections: 2\nstorefronts:\n  - name: shop\n    indices: [products]\n"
             "    model: " + model + "\n");
    port = std::stoi(rerankd->url().substr(rerankd->url().rfind(':') + 1));
  }
};

int connectTo(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  return fd;
}

void sendAll(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::send(fd, text.data() + done, text.size() - done, MSG_NOSIGNAL);
    if (n <= 0) return;  // the server may close first; what it answered is read next
    done += static_cast<std::size_t>(n);
  }
}

// Everything the server sends until it closes (or `wait` passes); `closed`
// says whether it closed.
std::string readUntilClosed(int fd, std::chrono::milliseconds wait, bool* closed = nullptr) {
  std::string out;
  const auto until = std::chrono::steady_clock::now() + wait;
  while (std::chrono::steady_clock::now() < until) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    char buf[4096];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      if (closed) *closed = true;
      return out;
    }
    out.append(buf, static_cast<std::size_t>(n));
  }
  if (closed) *closed = false;
  return out;
}

// The server's answer up to the end of its head ("\r\n\r\n"), or what came
// within `wait`.
std::string readHead(int fd, std::chrono::milliseconds wait) {
  std::string out;
  const auto until = std::chrono::steady_clock::now() + wait;
  while (out.find("\r\n\r\n") == std::string::npos && std::chrono::steady_clock::now() < until) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    char c;
    if (::recv(fd, &c, 1, 0) <= 0) break;
    out.push_back(c);
  }
  return out;
}

std::string health(const std::string& extra_headers = "") {
  return "GET /_rerank/health HTTP/1.1\r\nHost: x\r\n" + extra_headers + "\r\n";
}

}  // namespace

TEST_CASE("a body over max_body_bytes gets an engine-shaped 413", "[rerankd][component]") {
  Limited r("body");
  const int fd = connectTo(r.port);
  const std::string body(4000, 'x');
  sendAll(fd, "POST /_rerank/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\n"
              "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
  const std::string answer = readUntilClosed(fd, std::chrono::seconds(5));
  ::close(fd);
  CHECK(answer.starts_with("HTTP/1.1 413"));
  CHECK(answer.find("\"type\":\"rerank_request_too_large\"") != std::string::npos);
  CHECK(answer.find("\"status\":413") != std::string::npos);
}

TEST_CASE("a client that expects 100-continue is told to send its body, unless it is too large",
          "[rerankd][component]") {
  Limited r("expect");
  const std::string line =
      R"({"event_id":"x1","storefront":"shop","user_id":"u1","type":"click","item_id":"sku-1","ts":1})"
      "\n";
  const auto head = [](std::size_t length) {
    return "POST /_rerank/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\n"
           "Expect: 100-continue\r\nContent-Length: " + std::to_string(length) + "\r\n\r\n";
  };
  const int fd = connectTo(r.port);
  sendAll(fd, head(line.size()));
  // The body is sent only once the server asked for it, as such a client does.
  CHECK(readHead(fd, std::chrono::seconds(5)) == "HTTP/1.1 100 Continue\r\n\r\n");
  sendAll(fd, line);
  const std::string answer = readHead(fd, std::chrono::seconds(10));
  CHECK(answer.starts_with("HTTP/1.1 200"));
  ::close(fd);
  // Over max_body_bytes: the 413 at once, without asking for the body.
  const int big = connectTo(r.port);
  sendAll(big, head(4000));
  const std::string refused = readUntilClosed(big, std::chrono::seconds(5));
  ::close(big);
  CHECK(refused.starts_with("HTTP/1.1 413"));
  CHECK(refused.find("100 Continue") == std::string::npos);
}

TEST_CASE("headers over max_header_bytes get a 431", "[rerankd][component]") {
  Limited r("header");
  const int fd = connectTo(r.port);
  sendAll(fd, health("X-Padding: " + std::string(3000, 'p') + "\r\n"));
  const std::string answer = readUntilClosed(fd, std::chrono::seconds(5));
  ::close(fd);
  CHECK(answer.starts_with("HTTP/1.1 431"));
  CHECK(answer.find("max_header_bytes") != std::string::npos);
  // Under the limit the same request is served.
  const int ok = connectTo(r.port);
  sendAll(ok, health("Connection: close\r\n"));
  CHECK(readUntilClosed(ok, std::chrono::seconds(5)).starts_with("HTTP/1.1 200"));
  ::close(ok);
}

TEST_CASE("a connection idle past idle_timeout_ms is closed", "[rerankd][component]") {
  Limited r("idle");
  // Silent from the start.
  const int silent = connectTo(r.port);
  bool closed = false;
  readUntilClosed(silent, std::chrono::seconds(5), &closed);
  CHECK(closed);
  ::close(silent);
  // Kept alive after a request, then idle.
  const int kept = connectTo(r.port);
  sendAll(kept, health());
  const std::string answer = readUntilClosed(kept, std::chrono::seconds(5), &closed);
  CHECK(answer.starts_with("HTTP/1.1 200"));
  CHECK(closed);
  ::close(kept);
}

TEST_CASE("connections over max_connections are refused while the others are served",
          "[rerankd][component]") {
  Limited r("cap", /*idle_timeout_ms=*/30000);  // nothing is freed by idling here
  // Two open connections.
  const int a = connectTo(r.port), b = connectTo(r.port);
  sendAll(a, health());
  sendAll(b, health());
  CHECK(readUntilClosed(a, std::chrono::milliseconds(200)).starts_with("HTTP/1.1 200"));
  CHECK(readUntilClosed(b, std::chrono::milliseconds(200)).starts_with("HTTP/1.1 200"));
  const int third = connectTo(r.port);  // the kernel accepts; rerankd closes it
  sendAll(third, health());
  bool closed = false;
  const std::string refused = readUntilClosed(third, std::chrono::milliseconds(250), &closed);
  CHECK(closed);
  CHECK(refused.empty());
  ::close(third);
  // The two open connections still work.
  sendAll(a, health("Connection: close\r\n"));
  CHECK(readUntilClosed(a, std::chrono::seconds(5)).starts_with("HTTP/1.1 200"));
  ::close(a);
  ::close(b);
}

TEST_CASE("broken requests get an HTTP answer or a closed connection, and rerankd serves on",
          "[rerankd][component]") {
  Limited r("broken", /*idle_timeout_ms=*/2000);
  const std::string events_line =
      R"({"event_id":"m1","storefront":"shop","user_id":"u1","type":"view","item_id":"sku-1","ts":1})"
      "\n";
  const std::string msearch =
      "{}\n{\"query\":{\"match\":{\"title\":\"tv\"}},\"ext\":{\"rerank\":{\"user_id\":\"u1\"}}}\n"
      "{\"index\":\"products\"}\n{\"size\":3}\n";
  const std::vector<std::string> seeds = {
      health("Accept: application/json\r\n"),
      "POST /_rerank/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\n"
      "Content-Length: " + std::to_string(events_line.size()) + "\r\n\r\n" + events_line,
      "POST /products/_search?rerank_explain=true HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
      "chunked\r\nContent-Type: application/json\r\n\r\n1a\r\n{\"query\":{\"match_all\":{}}}\r\n0\r\n\r\n",
      "POST /products/_msearch HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\n"
      "Content-Length: " + std::to_string(msearch.size()) + "\r\n\r\n" + msearch,
  };
  int answered = 0, closed_silently = 0;
  for (std::size_t s = 0; s < seeds.size(); ++s) {
    for (const auto& request : brokenCopies(seeds[s], 61 + static_cast<std::uint32_t>(s), 120)) {
      const int fd = connectTo(r.port);
      sendAll(fd, request);
      ::shutdown(fd, SHUT_WR);  // nothing more is coming: no wait for the idle timeout
      bool closed = false;
      const std::string answer = readUntilClosed(fd, std::chrono::seconds(10), &closed);
      ::close(fd);
      INFO("request: " << request << "\nanswer: " << answer);
      CHECK(closed);
      if (answer.empty()) {
        ++closed_silently;
        continue;
      }
      ++answered;
      // One or more whole answers (a request may be followed by a second,
      // broken one), each a status line with a 3-digit status.
      CHECK(answer.starts_with("HTTP/1.1 "));
      REQUIRE(answer.size() >= 12);
      const int status = std::stoi(answer.substr(9, 3));
      CHECK(status >= 200);
      CHECK(status <= 599);
      // Refused by rerankd (4xx) or by the engine that is not there (502):
      // never rerankd failing inside (500), and always an engine-shaped
      // error body that says why.
      CHECK(status != 500);
      if (status >= 400) CHECK(answer.find("{\"error\":{\"root_cause\":[") != std::string::npos);
    }
  }
  // Nearly all are answered; a connection closed before a whole request
  // line came (an empty request, say) is closed without one.
  CHECK(answered > 500);
  CHECK(closed_silently < answered / 10);
  // Still serving, and it exits cleanly (a crash would not be exit code 0).
  const int fd = connectTo(r.port);
  sendAll(fd, health("Connection: close\r\n"));
  CHECK(readUntilClosed(fd, std::chrono::seconds(5)).starts_with("HTTP/1.1 200"));
  ::close(fd);
  CHECK(r.rerankd->stop() == 0);
}
