// The HTTP/1.1 front of rerankd on Boost.Beast: accepts connections onto
// one io_context per I/O thread, reads requests with header/body limits and
// an idle timeout, serves a storefront's searches right there (awaiting the
// engine, Handler::searchOnIo) and hands every other request to the Handler
// on a worker pool (it blocks on the engine), and writes the answer back on
// the connection's strand. Keep-alive, a cap on open connections, and a
// graceful drain on stop().
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "config/config.h"
#include "rerank/handler.h"

namespace rr::rerank {

class Server {
 public:
  // Binds listen.address:listen.port (port 0: any). Errors name the address.
  static std::expected<std::unique_ptr<Server>, std::string> create(
      const config::ListenConfig& listen, Handler& handler, int workers,
      std::function<void(const std::string&)> access_log = {});
  ~Server();

  uint16_t port() const;
  // Runs the io threads; returns at once.
  void start();
  // Stops accepting, lets open requests finish (up to the drain timeout),
  // then closes everything. Idempotent.
  void stop();
  std::size_t openConnections() const;

  struct Impl;  // internal (server.cc); public so its sessions can name it

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace rr::rerank
