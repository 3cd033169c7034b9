// A TCP relay on 127.0.0.1 in front of a real server, for tests that need
// the server to vanish and come back on the same address (stop(), start()),
// or to answer late (delayReplies()), which a real OpenSearch node will not
// do on demand. Test-only.
//
// One thread per running relay forwards bytes with poll(); every accepted
// connection gets its own connection to the target. Methods are called from
// the test's thread; the counters may be read from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

namespace rr::testing {

class TcpRelay {
 public:
  // `target_url`: "http://HOST:PORT" (the scheme is ignored; the relay
  // forwards bytes). Does not listen until start().
  explicit TcpRelay(const std::string& target_url);
  ~TcpRelay();  // stop()
  TcpRelay(const TcpRelay&) = delete;
  TcpRelay& operator=(const TcpRelay&) = delete;

  // Listens on 127.0.0.1: any free port the first time, the same port
  // after a stop(). Fails the running test when it cannot.
  void start();
  // Closes the listening socket and every relayed connection (both sides),
  // so new connections are refused. Idempotent.
  void stop();
  bool running() const { return thread_.joinable(); }

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // Bytes from the target are held this long before they are passed on
  // (applies to bytes read from now on). 0: none.
  void delayReplies(std::chrono::milliseconds delay) { delay_ms_ = delay.count(); }

  // Totals since construction.
  long bytesFromClients() const { return from_clients_.load(); }
  long connectionsAccepted() const { return accepted_.load(); }
  // Bytes from the target read but not yet passed on (held by the delay,
  // or waiting for the client to read). Updated once per relay round.
  long bytesHeld() const { return held_.load(); }
  // The most requests in flight at once since the last resetPeak(): relayed
  // connections whose client sent bytes the target's have not answered yet
  // (a reply held by delayReplies() is not an answer until passed on).
  // Sampled once per relay round, so two requests count as simultaneous
  // only when both were sent before either's answer was passed on.
  long peakInFlight() const { return peak_in_flight_.load(); }
  void resetPeak() { peak_in_flight_ = 0; }

 private:
  void run(int listen_fd, int wake_fd);
  int connectTarget() const;

  std::string host_;
  std::string service_;
  int port_ = 0;
  int wake_write_ = -1;
  std::thread thread_;
  std::atomic<long long> delay_ms_{0};
  std::atomic<long> from_clients_{0};
  std::atomic<long> accepted_{0};
  std::atomic<long> held_{0};
  std::atomic<long> peak_in_flight_{0};
};

}  // namespace rr::testing
