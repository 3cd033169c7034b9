// HTTP on raw sockets, for tests of what rerankd does with requests no
// HTTP client library would send: cut, oversized, broken.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "tests/support/mutations.h"

namespace rr::testing {

inline int connectTo(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  return fd;
}

inline void sendAll(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::send(fd, text.data() + done, text.size() - done, MSG_NOSIGNAL);
    if (n <= 0) return;  // the server may close first; what it answered is read next
    done += static_cast<std::size_t>(n);
  }
}

// Everything the server sends until it closes (or `wait` passes); `closed`
// says whether it closed.
inline std::string readUntilClosed(int fd, std::chrono::milliseconds wait, bool* closed = nullptr) {
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
inline std::string readHead(int fd, std::chrono::milliseconds wait) {
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

// ~900 broken copies of real requests to rerankd on `port` (`health`, a
// request for rerankd's health; an events post; searches of `index`:
// chunked, in the URL with a cookie, gzipped; an `_msearch`), each on its
// own connection: every one gets one
// or more answers, each a status line, never a 500, an error status with
// an error body in one of the engine's shapes; or, when not even a request
// line came, the connection closed.
inline void checkBrokenRequests(int port, const std::string& index, const std::string& health,
                                std::uint32_t seed) {
  const std::string events_line =
      R"({"event_id":"m1","storefront":"shop","user_id":"u1","type":"view","item_id":"sku-1","ts":1})"
      "\n";
  const std::string msearch =
      "{}\n{\"query\":{\"match\":{\"title\":\"tv\"}},\"ext\":{\"rerank\":{\"user_id\":\"u1\"}}}\n"
      "{\"index\":\"" + index + "\"}\n{\"size\":3}\n";
  // {"query":{"match":{"title":"tv"}},"size":5}, gzipped.
  const std::string gzip_search(
      "\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03\xab\x56\x2a\x2c\x4d\x2d\xaa\x54\xb2\xaa\x56\xca\x4d"
      "\x2c\x49\xce\x00\x31\x4a\x32\x4b\x72\x52\x95\xac\x94\x4a\xca\x94\x6a\x6b\x75\x94\x8a\x33"
      "\xab\x80\x3c\xd3\x5a\x00\xb7\x2e\x46\xd9\x2b\x00\x00\x00",
      59);
  const std::vector<std::string> seeds = {
      health,
      "POST /_rerank/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\n"
      "Content-Length: " + std::to_string(events_line.size()) + "\r\n\r\n" + events_line,
      "POST /" + index + "/_search?rerank_explain=true HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
      "chunked\r\nContent-Type: application/json\r\n\r\n1a\r\n{\"query\":{\"match_all\":{}}}\r\n0\r\n\r\n",
      "POST /" + index + "/_msearch HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\n"
      "Content-Length: " + std::to_string(msearch.size()) + "\r\n\r\n" + msearch,
      "GET /" + index + "/_search?q=title:tv&from=2&size=3&rerank_explain=true HTTP/1.1\r\n"
      "Host: x\r\nX-User-Id: u1\r\nCookie: sid=s1; theme=dark\r\n\r\n",
      "POST /" + index + "/_search HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Encoding: gzip\r\nContent-Length: " + std::to_string(gzip_search.size()) +
          "\r\n\r\n" + gzip_search,
  };
  int answered = 0, closed_silently = 0;
  for (std::size_t s = 0; s < seeds.size(); ++s) {
    for (const auto& request : brokenCopies(seeds[s], seed + static_cast<std::uint32_t>(s), 120)) {
      const int fd = connectTo(port);
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
      // Never rerankd failing inside (500), and always an error body that
      // says why: rerankd's, shaped as the engine's ({"error":{"root_cause":
      // ...},"status":N}), or the engine's own, relayed as it wrote it (for
      // some refusals a plain {"error":"...","status":N}).
      CHECK(status != 500);
      if (status >= 400) {
        CHECK(answer.find("{\"error\":") != std::string::npos);
        CHECK(answer.find("\"status\":" + std::to_string(status)) != std::string::npos);
      }
    }
  }
  // Nearly all are answered; a connection closed before a whole request
  // line came (an empty request, say) is closed without one.
  CHECK(answered > 500);
  CHECK(closed_silently < answered / 10);
}

}  // namespace rr::testing
