// An https front for the real engine: nginx terminating TLS with a
// certificate made for the test run (by the openssl command), passing every
// request on to the engine over http, as a shop's TLS load balancer or a
// managed cluster's https endpoint does. Test-only.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>

namespace rr::testing {

// What a TlsFront asks of a caller before passing its request on, as a
// managed cluster does: a client certificate signed by its caFile() (else
// nginx answers 400), and/or `Authorization: ApiKey <api_key>` (else 401);
// and what it refuses whoever asks.
struct FrontGuard {
  bool client_cert = false;
  std::string api_key;
  // 403 with the security plugin's error to `/_nodes` requests, as a
  // cluster does to a user without `cluster:monitor/nodes/info`.
  bool refuse_nodes_info = false;
};

class TlsFront {
 public:
  // Starts nginx in front of `engine_url` (http). FAILs the test, naming
  // what is missing, when nginx or openssl is not installed
  // (scripts/install-deps.sh installs both).
  explicit TlsFront(const std::string& engine_url, FrontGuard guard = {});
  ~TlsFront();
  TlsFront(const TlsFront&) = delete;
  TlsFront& operator=(const TlsFront&) = delete;

  // https://127.0.0.1:PORT (the certificate names that address) and
  // https://localhost:PORT (and that name).
  std::string url() const { return "https://127.0.0.1:" + std::to_string(port_); }
  std::string namedUrl() const { return "https://localhost:" + std::to_string(port_); }
  // The CA that signed the front's certificate, and one that did not.
  std::filesystem::path caFile() const { return dir_ / "ca.pem"; }
  std::filesystem::path otherCaFile() const { return dir_ / "other-ca.pem"; }
  // With FrontGuard::client_cert: a client certificate and key signed by
  // caFile(), and a pair signed by the other CA.
  std::filesystem::path clientCertFile() const { return dir_ / "client.pem"; }
  std::filesystem::path clientKeyFile() const { return dir_ / "client.key"; }
  std::filesystem::path strangerCertFile() const { return dir_ / "stranger.pem"; }
  std::filesystem::path strangerKeyFile() const { return dir_ / "stranger.key"; }
  // Requests nginx has passed on to the engine so far (lines in its access
  // log, which leaves out the requests the guard refused), once
  // there are at least `expected` or a second has passed: nginx writes a
  // line just after the answer, so a client may read it before the line is
  // there.
  std::size_t requestsPassed(std::size_t expected = 0) const;
  // Stops nginx (closing every connection to it) and starts it again on the
  // same port with the same certificate.
  void restart();

 private:
  void start();
  void stop();
  std::string nginx_;
  std::filesystem::path dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace rr::testing
