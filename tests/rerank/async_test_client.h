// rerankd's async engine client (rerank/async_upstream.h) driven by a test:
// an io_context on threads of its own, each call started with
// co_spawn(use_future) and bounded by its deadline plus a margin, so a hang
// fails the test instead of blocking the run. Shared by the async client's
// tests and the https test.
#pragma once

// Boost 1.74's awaitable.hpp uses std::exchange without including <utility>.
#include <utility>

#include <catch2/catch.hpp>

#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "rerank/async_upstream.h"

// A failed REQUIRE(r) shows the status or the error.
namespace Catch {
template <>
struct StringMaker<rr::connectors::Result<rr::connectors::HttpResponse>> {
  static std::string convert(const rr::connectors::Result<rr::connectors::HttpResponse>& r) {
    if (r) return "HTTP " + std::to_string(r->status);
    return std::string(rr::connectors::toString(r.error().code)) + "/" +
           std::string(rr::connectors::toString(r.error().cause)) + ": " + r.error().message;
  }
};
}  // namespace Catch

namespace rr::testing {

// The client goes first when this ends (its idle sockets close while the
// loop still runs), then the loop stops.
class AsyncTestClient {
 public:
  using Result = connectors::Result<connectors::HttpResponse>;

  explicit AsyncTestClient(const config::UpstreamConfig& config, int threads = 1)
      : guard_(boost::asio::make_work_guard(ioc_)),
        upstream_(std::make_shared<rerank::AsyncUpstream>(ioc_.get_executor(), config)) {
    for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { ioc_.run(); });
  }
  ~AsyncTestClient() {
    upstream_.reset();
    guard_.reset();
    ioc_.stop();
    for (auto& t : threads_) t.join();
  }
  AsyncTestClient(const AsyncTestClient&) = delete;
  AsyncTestClient& operator=(const AsyncTestClient&) = delete;

  rerank::AsyncUpstream& upstream() { return *upstream_; }

  // Starts one call with the deadline now + `timeout`.
  std::future<Result> start(connectors::HttpRequest request, std::chrono::milliseconds timeout) {
    return boost::asio::co_spawn(
        ioc_, upstream_->send(std::move(request), connectors::Clock::now() + timeout),
        boost::asio::use_future);
  }

  // One background check of `node` (AsyncUpstream::probe), waited for.
  void probe(std::size_t node) {
    auto done = boost::asio::co_spawn(ioc_, rerank::AsyncUpstream::probe(upstream_, node),
                                      boost::asio::use_future);
    REQUIRE(done.wait_for(std::chrono::seconds(15)) == std::future_status::ready);
    done.get();
  }

  // One call, waited for; fails the test if it outlives its deadline by 10 s.
  Result send(connectors::HttpRequest request, std::chrono::milliseconds timeout) {
    return wait(start(std::move(request), timeout), timeout);
  }

  static Result wait(std::future<Result> future, std::chrono::milliseconds timeout) {
    REQUIRE(future.wait_for(timeout + std::chrono::seconds(10)) == std::future_status::ready);
    return future.get();
  }

 private:
  boost::asio::io_context ioc_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
  std::shared_ptr<rerank::AsyncUpstream> upstream_;
  std::vector<std::thread> threads_;
};

}  // namespace rr::testing
