#include "tests/rerank/tcp_relay.h"

#include <arpa/inet.h>
#include <catch2/catch.hpp>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <list>
#include <vector>

namespace rr::testing {
namespace {

using Clock = std::chrono::steady_clock;

// Bytes from the target, passed on no earlier than `ready`.
struct Chunk {
  Clock::time_point ready;
  std::string data;
};

struct Pipe {
  int client = -1;
  int server = -1;
  std::string to_server;
  std::deque<Chunk> to_client;
  bool client_eof = false;
  bool server_eof = false;
  bool failed = false;
  // The client sent bytes that nothing from the target has answered yet
  // (held replies do not count as answers): a request in flight.
  bool awaiting = false;

  // Done once nobody can receive more: the client left, a socket failed,
  // or the target closed and everything it sent has been passed on.
  bool done() const {
    return failed || client_eof || (server_eof && to_client.empty());
  }
  void close() {
    ::close(client);
    ::close(server);
  }
};

void tune(int fd) {
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

// Reads what is there; false on EOF or an error (`eof` says which).
bool readInto(int fd, std::string& out, std::atomic<long>* counter, bool& eof, bool& failed) {
  char buf[16384];
  const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
  if (n > 0) {
    out.append(buf, static_cast<std::size_t>(n));
    if (counter) *counter += static_cast<long>(n);
    return true;
  }
  if (n == 0) {
    eof = true;
  } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
    failed = true;
  }
  return false;
}

// Writes as much of `data` as the socket takes and drops it from `data`.
void writeFrom(int fd, std::string& data, bool& failed) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) failed = true;
      return;
    }
    data.erase(0, static_cast<std::size_t>(n));
  }
}

}  // namespace

TcpRelay::TcpRelay(const std::string& target_url) {
  std::string rest = target_url;
  if (const auto scheme = rest.find("://"); scheme != std::string::npos) {
    rest = rest.substr(scheme + 3);
  }
  rest = rest.substr(0, rest.find('/'));
  const auto colon = rest.rfind(':');
  host_ = colon == std::string::npos ? rest : rest.substr(0, colon);
  service_ = colon == std::string::npos ? "80" : rest.substr(colon + 1);
}

TcpRelay::~TcpRelay() { stop(); }

void TcpRelay::start() {
  if (running()) return;
  int fd = -1;
  // The port may still be held for a moment after stop(); wait for it.
  const auto until = Clock::now() + std::chrono::seconds(5);
  while (true) {
    // Close-on-exec: a rerankd forked by the test must not hold the port.
    fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port_));
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
        ::listen(fd, 64) == 0) {
      socklen_t len = sizeof addr;
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
      port_ = ntohs(addr.sin_port);
      break;
    }
    const int err = errno;
    ::close(fd);
    if (Clock::now() > until) {
      FAIL("relay: cannot listen on port " << port_ << ": " << std::strerror(err));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  int wake[2];
  REQUIRE(::pipe2(wake, O_CLOEXEC) == 0);
  wake_write_ = wake[1];
  thread_ = std::thread([this, fd, wake_read = wake[0]] { run(fd, wake_read); });
}

void TcpRelay::stop() {
  if (!running()) return;
  const char byte = 0;
  (void)!::write(wake_write_, &byte, 1);
  thread_.join();
  ::close(wake_write_);
  wake_write_ = -1;
}

int TcpRelay::connectTarget() const {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host_.c_str(), service_.c_str(), &hints, &found) != 0) return -1;
  int fd = -1;
  for (addrinfo* a = found; a; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) break;
    ::close(fd);
    fd = -1;
  }
  ::freeaddrinfo(found);
  return fd;
}

void TcpRelay::run(int listen_fd, int wake_fd) {
  std::list<Pipe> pipes;
  std::vector<pollfd> fds;
  while (true) {
    const auto now = Clock::now();
    int timeout_ms = 200;
    fds.assign({{wake_fd, POLLIN, 0}, {listen_fd, POLLIN, 0}});
    for (const auto& p : pipes) {
      short client_events = POLLIN;
      if (!p.to_client.empty()) {
        if (p.to_client.front().ready <= now) {
          client_events |= POLLOUT;
        } else {
          const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(
                                p.to_client.front().ready - now).count() + 1;
          timeout_ms = std::min<int>(timeout_ms, static_cast<int>(wait));
        }
      }
      fds.push_back({p.client, client_events, 0});
      // A target that has closed is not polled again (it would stay readable).
      fds.push_back({p.server_eof ? -1 : p.server,
                     static_cast<short>(POLLIN | (p.to_server.empty() ? 0 : POLLOUT)), 0});
    }
    if (::poll(fds.data(), fds.size(), timeout_ms) < 0 && errno != EINTR) break;
    if (fds[0].revents != 0) break;  // stop()
    if (fds[1].revents & POLLIN) {
      const int client = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (client >= 0) {
        ++accepted_;
        const int server = connectTarget();
        if (server < 0) {
          ::close(client);
        } else {
          tune(client);
          tune(server);
          pipes.push_back({.client = client, .server = server});
        }
      }
    }
    const auto delay = std::chrono::milliseconds(delay_ms_.load());
    std::size_t i = 2;
    for (auto& p : pipes) {
      if (i >= fds.size()) break;  // accepted in this round: polled next round
      const short client_ev = fds[i].revents, server_ev = fds[i + 1].revents;
      i += 2;
      if (client_ev & (POLLIN | POLLHUP | POLLERR)) {
        const std::size_t before = p.to_server.size();
        while (readInto(p.client, p.to_server, &from_clients_, p.client_eof, p.failed)) {
        }
        if (p.to_server.size() > before) p.awaiting = true;
      }
      if (server_ev & (POLLIN | POLLHUP | POLLERR)) {
        std::string got;
        while (readInto(p.server, got, nullptr, p.server_eof, p.failed)) {
        }
        if (!got.empty()) {
          auto ready = Clock::now() + delay;
          if (!p.to_client.empty()) ready = std::max(ready, p.to_client.back().ready);
          p.to_client.push_back({ready, std::move(got)});
        }
      }
      writeFrom(p.server, p.to_server, p.failed);
      const auto t = Clock::now();
      while (!p.to_client.empty() && p.to_client.front().ready <= t && !p.failed) {
        const std::size_t before = p.to_client.front().data.size();
        writeFrom(p.client, p.to_client.front().data, p.failed);
        if (p.to_client.front().data.size() < before) p.awaiting = false;
        if (!p.to_client.front().data.empty()) break;  // the socket is full
        p.to_client.pop_front();
      }
    }
    long held = 0;
    long in_flight = 0;
    for (const auto& p : pipes) in_flight += p.awaiting ? 1 : 0;
    if (in_flight > peak_in_flight_.load()) peak_in_flight_ = in_flight;
    for (auto it = pipes.begin(); it != pipes.end();) {
      if (it->done()) {
        it->close();
        it = pipes.erase(it);
      } else {
        for (const auto& chunk : it->to_client) held += static_cast<long>(chunk.data.size());
        ++it;
      }
    }
    held_ = held;
  }
  for (auto& p : pipes) p.close();
  held_ = 0;
  ::close(listen_fd);
  ::close(wake_fd);
}

}  // namespace rr::testing
