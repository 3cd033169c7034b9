// rerankd's own limits, on raw sockets (tests/rerank/raw_http.h): request
// body and header size, the idle timeout, the connection cap, and requests
// broken in every way. No engine is needed: its address is a closed port.
#include <catch2/catch.hpp>
#include <chrono>
#include <string>

#include "tests/rerank/raw_http.h"
#include "tests/rerank/rerankd_process.h"

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
  // Refused by rerankd (4xx) or by the engine that is not there (502).
  checkBrokenRequests(r.port, "products", health("Accept: application/json\r\n"), 61);
  // Still serving, and it exits cleanly (a crash would not be exit code 0).
  const int fd = connectTo(r.port);
  sendAll(fd, health("Connection: close\r\n"));
  CHECK(readUntilClosed(fd, std::chrono::seconds(5)).starts_with("HTTP/1.1 200"));
  ::close(fd);
  CHECK(r.rerankd->stop() == 0);
}
