#include "tests/support/tls_front.h"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "tests/support/run_program.h"

namespace rr::testing {
namespace {

// The full path of `program` on PATH or in /usr/sbin (nginx's place), or "".
std::string findProgram(const std::string& program) {
  std::string path = std::getenv("PATH") ? std::getenv("PATH") : "";
  path += ":/usr/sbin:/usr/bin";
  std::stringstream dirs(path);
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const auto candidate = std::filesystem::path(dir) / program;
    if (!dir.empty() && ::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return "";
}

// A port nothing listens on now (the kernel's pick for a socket bound to 0).
int freePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  ::close(fd);
  return ntohs(addr.sin_port);
}

bool accepts(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

void openssl(const std::string& binary, const std::vector<std::string>& args) {
  const auto run = runProgram(binary, args);
  INFO("openssl " << args.front() << ": " << run.err);
  REQUIRE(run.exit_code == 0);
}

}  // namespace

TlsFront::TlsFront(const std::string& engine_url, FrontGuard guard) {
  nginx_ = findProgram("nginx");
  const std::string ssl = findProgram("openssl");
  if (nginx_.empty() || ssl.empty()) {
    FAIL("the https tests need nginx and openssl (scripts/install-deps.sh installs "
         "nginx-light and openssl)");
  }
  static int counter = 0;
  dir_ = std::filesystem::temp_directory_path() /
         ("rr-tls-front-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  std::filesystem::remove_all(dir_);
  std::filesystem::create_directories(dir_);
  const auto at = [&](const std::string& name) { return (dir_ / name).string(); };
  // A CA, the front's certificate signed by it (for 127.0.0.1 and
  // localhost), and a second CA that signed nothing here.
  openssl(ssl, {"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                "/CN=rr-test-ca", "-keyout", at("ca.key"), "-out", at("ca.pem")});
  openssl(ssl, {"req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout",
                at("front.key"), "-out", at("front.csr")});
  std::ofstream(at("san.cnf")) << "subjectAltName=IP:127.0.0.1,DNS:localhost\n";
  openssl(ssl, {"x509", "-req", "-in", at("front.csr"), "-CA", at("ca.pem"), "-CAkey",
                at("ca.key"), "-CAcreateserial", "-days", "2", "-extfile", at("san.cnf"), "-out",
                at("front.pem")});
  openssl(ssl, {"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                "/CN=rr-other-ca", "-keyout", at("other-ca.key"), "-out", at("other-ca.pem")});
  if (guard.client_cert) {
    // rerankd's certificate, from the front's CA, and a stranger's from the other.
    for (const auto& [name, ca] : {std::pair<std::string, std::string>{"client", "ca"},
                                   std::pair<std::string, std::string>{"stranger", "other-ca"}}) {
      openssl(ssl, {"req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=rr-" + name, "-keyout",
                    at(name + ".key"), "-out", at(name + ".csr")});
      openssl(ssl, {"x509", "-req", "-in", at(name + ".csr"), "-CA", at(ca + ".pem"), "-CAkey",
                    at(ca + ".key"), "-CAcreateserial", "-days", "2", "-out", at(name + ".pem")});
    }
  }

  std::string engine = engine_url;
  if (engine.starts_with("http://")) engine.erase(0, 7);
  while (!engine.empty() && engine.back() == '/') engine.pop_back();
  port_ = freePort();
  std::ofstream(at("nginx.conf"))
      << "daemon off;\nmaster_process on;\nworker_processes 1;\npid " << at("nginx.pid")
      << ";\nerror_log " << at("error.log") << " warn;\nevents { worker_connections 256; }\n"
      // Only what reached the engine is logged: the refusals are not.
      << "http {\n  map $upstream_addr $passed { \"\" 0; default 1; }\n  access_log "
      << at("access.log") << " combined if=$passed;\n  client_body_temp_path "
      << at("body") << ";\n  proxy_temp_path " << at("proxy") << ";\n"
      << "  upstream engine { server " << engine << "; keepalive 16; }\n"
      << "  server {\n    listen 127.0.0.1:" << port_ << " ssl;\n    ssl_certificate "
      << at("front.pem") << ";\n    ssl_certificate_key " << at("front.key") << ";\n"
      << (guard.client_cert ? "    ssl_client_certificate " + at("ca.pem") +
                                  ";\n    ssl_verify_client on;\n"
                            : std::string())
      << "    client_max_body_size 10m;\n"
      << (guard.refuse_nodes_info
              ? "    location /_nodes {\n      default_type application/json;\n      return 403 "
                "'{\"error\":{\"root_cause\":[{\"type\":\"security_exception\",\"reason\":\"no "
                "permissions for [cluster:monitor/nodes/info]\"}],\"type\":\"security_exception\","
                "\"reason\":\"no permissions for [cluster:monitor/nodes/info]\"},\"status\":403}';\n"
                "    }\n"
              : "")
      << "    location / {\n"
      << (guard.api_key.empty()
              ? std::string()
              : "      if ($http_authorization != \"ApiKey " + guard.api_key +
                    "\") {\n        return 401 '{\"error\":\"api key required\",\"status\":401}';\n"
                    "      }\n")
      << "      proxy_pass http://engine;\n"
      << "      proxy_http_version 1.1;\n      proxy_set_header Connection \"\";\n    }\n  }\n}\n";
  start();
}

void TlsFront::start() {
  pid_ = ::fork();
  if (pid_ == 0) {
    const std::string conf = (dir_ / "nginx.conf").string(), prefix = dir_.string() + "/";
    ::execl(nginx_.c_str(), nginx_.c_str(), "-c", conf.c_str(), "-p", prefix.c_str(), nullptr);
    std::_Exit(127);
  }
  for (int i = 0; i < 100 && !accepts(port_); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (!accepts(port_)) {
    std::ifstream log(dir_ / "error.log");
    std::stringstream text;
    text << log.rdbuf();
    FAIL("nginx did not start on port " << port_ << ": " << text.str());
  }
}

void TlsFront::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);  // nginx's fast shutdown: connections closed at once
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

void TlsFront::restart() {
  stop();
  start();
}

TlsFront::~TlsFront() {
  stop();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::size_t TlsFront::requestsPassed(std::size_t expected) const {
  const auto count = [&] {
    std::ifstream log(dir_ / "access.log");
    std::size_t lines = 0;
    for (std::string line; std::getline(log, line);) ++lines;
    return lines;
  };
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  std::size_t lines = count();
  while (lines < expected && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    lines = count();
  }
  return lines;
}

}  // namespace rr::testing
