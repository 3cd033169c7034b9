#include "tests/support/fake_upstream.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>

namespace rr::testing {
namespace {

int listenLoopback(int backlog, int* port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket() failed");
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(fd, backlog) != 0) {
    ::close(fd);
    throw std::runtime_error("bind/listen on 127.0.0.1 failed");
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  *port = ntohs(addr.sin_port);
  return fd;
}

void writeAll(int fd, const std::string& data) {
  std::size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return;
    off += static_cast<std::size_t>(n);
  }
}

std::string reasonPhrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 429: return "Too Many Requests";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    default: return "Status";
  }
}

}  // namespace

FakeUpstream::FakeUpstream(std::vector<CannedResponse> script)
    : script_(std::move(script)) {
  if (script_.empty()) script_.push_back({});
  listen_fd_ = listenLoopback(16, &port_);
  thread_ = std::thread([this] { serve(); });
}

FakeUpstream::~FakeUpstream() {
  stopping_ = true;
  ::shutdown(listen_fd_, SHUT_RDWR);
  ::close(listen_fd_);
  thread_.join();
}

std::vector<std::string> FakeUpstream::requestHeads() const {
  std::lock_guard lock(mu_);
  return heads_;
}

std::vector<std::string> FakeUpstream::requestBodies() const {
  std::lock_guard lock(mu_);
  return bodies_;
}

std::vector<std::string> FakeUpstream::requestLines() const {
  std::lock_guard lock(mu_);
  return lines_;
}

void FakeUpstream::serve() {
  while (!stopping_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) continue;
    while (!stopping_ && handleConnection(fd)) {
    }
    ::close(fd);
  }
}

// Reads one request (headers + Content-Length body) and answers it. Returns
// false when the connection should be closed.
bool FakeUpstream::handleConnection(int fd) {
  std::string data;
  char buf[4096];
  std::size_t header_end = std::string::npos;
  while (header_end == std::string::npos) {
    pollfd p{fd, POLLIN, 0};
    if (stopping_) return false;
    if (::poll(&p, 1, 50) <= 0) continue;
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return false;
    data.append(buf, static_cast<std::size_t>(n));
    header_end = data.find("\r\n\r\n");
  }
  std::size_t content_length = 0;
  auto pos = data.find("Content-Length:");
  if (pos == std::string::npos) pos = data.find("content-length:");
  if (pos != std::string::npos && pos < header_end) {
    content_length = std::stoul(data.substr(pos + 15));
  }
  while (data.size() < header_end + 4 + content_length) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return false;
    data.append(buf, static_cast<std::size_t>(n));
  }
  int index = requests_.fetch_add(1);
  {
    std::lock_guard lock(mu_);
    lines_.push_back(data.substr(0, data.find("\r\n")));
    heads_.push_back(data.substr(0, header_end));
    bodies_.push_back(data.substr(header_end + 4, content_length));
  }
  const CannedResponse& r =
      script_[std::min<std::size_t>(static_cast<std::size_t>(index), script_.size() - 1)];
  if (r.stall) {
    while (!stopping_) ::usleep(10000);
    return false;
  }
  // The answer to a HEAD has the head alone.
  const bool head_only = data.starts_with("HEAD ");
  std::size_t promised = r.body.size() + (r.cut_body ? 100 : 0);
  std::string head = "HTTP/1.1 " + std::to_string(r.status) + " " +
                     reasonPhrase(r.status) + "\r\nContent-Type: " +
                     r.content_type + "\r\nContent-Length: " +
                     std::to_string(promised) + "\r\n\r\n";
  writeAll(fd, head_only ? head : head + r.body);
  return !r.cut_body;
}

int closedPort() {
  int port = 0;
  int fd = listenLoopback(1, &port);
  ::close(fd);
  return port;
}

SilentListener::SilentListener() { fd_ = listenLoopback(16, &port_); }

SilentListener::~SilentListener() { ::close(fd_); }

}  // namespace rr::testing
