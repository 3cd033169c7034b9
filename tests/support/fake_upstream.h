// A scripted HTTP/1.1 server on 127.0.0.1 for faults a real engine will not
// produce on demand: stalls, 429/503 storms, garbage bodies, cut connections.
// Test-only. Serves one connection at a time on its own thread.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace rr::testing {

struct CannedResponse {
  int status = 200;
  std::string body = "{}";
  std::string content_type = "application/json";
  bool stall = false;        // read the request, never answer
  bool cut_body = false;     // promise more bytes than sent, then close
};

class FakeUpstream {
 public:
  // Responses are served in order; the last one repeats.
  explicit FakeUpstream(std::vector<CannedResponse> script);
  ~FakeUpstream();
  FakeUpstream(const FakeUpstream&) = delete;
  FakeUpstream& operator=(const FakeUpstream&) = delete;

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int requestsSeen() const { return requests_.load(); }
  // The request lines seen so far, e.g. "POST /idx/_search HTTP/1.1".
  std::vector<std::string> requestLines() const;
  // The header blocks of the requests seen so far, as received.
  std::vector<std::string> requestHeads() const;
  // Their bodies (by Content-Length), as received.
  std::vector<std::string> requestBodies() const;

 private:
  void serve();
  bool handleConnection(int fd);

  std::vector<CannedResponse> script_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> requests_{0};
  mutable std::mutex mu_;
  std::vector<std::string> lines_;
  std::vector<std::string> heads_;
  std::vector<std::string> bodies_;
  std::thread thread_;
};

// A port on 127.0.0.1 that nothing listens on (bound, then closed).
int closedPort();

// A socket that accepts connections (kernel backlog) but never reads or
// answers. Lives until destroyed.
class SilentListener {
 public:
  SilentListener();
  ~SilentListener();
  SilentListener(const SilentListener&) = delete;
  SilentListener& operator=(const SilentListener&) = delete;
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  int fd_ = -1;
  int port_ = 0;
};

}  // namespace rr::testing
