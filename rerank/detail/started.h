// An awaitable started now and awaited later: how one search has two engine
// calls out at once (the window and the shopper's profile, the two kinds of
// extra candidates). Internal to rerank/.
//
// Threading: the work, its completion and join() must all run on one
// thread, the executor's. rerankd's I/O contexts each run on one thread,
// and the worker pool's search runs on an io_context of its own.
//
// Lifetime: the work keeps whatever it was given by reference, so whoever
// starts it joins it before any of that goes away, on every path out,
// exceptions included (see joinAfter).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <exception>
#include <map>
#include <memory>
#include <optional>
#include <utility>

namespace rr::rerank::detail {

template <class T>
class Started {
 public:
  Started() = default;  // nothing started

  // Runs `work` on `executor` from its next turn on.
  static Started start(const boost::asio::any_io_executor& executor,
                       boost::asio::awaitable<T> work) {
    Started s;
    s.state_ = std::make_shared<State>(executor);
    boost::asio::co_spawn(executor, std::move(work),
                          [state = s.state_](std::exception_ptr e, T value) {
                            if (e) {
                              state->error = e;
                            } else {
                              state->value.emplace(std::move(value));
                            }
                            state->done = true;
                            state->wake.cancel();  // a join() waiting for it
                          });
    return s;
  }

  // Started and not joined yet.
  bool pending() const { return state_ != nullptr; }

  // The work's result once it has finished (at once if it has), or its
  // exception rethrown. Once: pending() is false after it.
  boost::asio::awaitable<T> join() {
    const std::shared_ptr<State> state = std::move(state_);
    if (!state->done) {
      boost::system::error_code cancelled;  // the one way it wakes
      co_await state->wake.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable,
                                                                  cancelled));
    }
    if (state->error) std::rethrow_exception(state->error);
    co_return std::move(*state->value);
  }

 private:
  struct State {
    explicit State(const boost::asio::any_io_executor& executor)
        : wake(executor, boost::asio::steady_timer::time_point::max()) {}
    boost::asio::steady_timer wake;
    std::optional<T> value;
    std::exception_ptr error;
    bool done = false;
  };
  std::shared_ptr<State> state_;
};

// `work` awaited to its end: its result, or the exception it threw.
template <class R>
struct Settled {
  std::optional<R> value;
  std::exception_ptr error;
};
template <class R>
boost::asio::awaitable<Settled<R>> settle(boost::asio::awaitable<R> work) {
  Settled<R> out;
  try {
    out.value.emplace(co_await std::move(work));
  } catch (...) {
    out.error = std::current_exception();
  }
  co_return out;
}

// co_await `work`, then join `started` (if pending) whatever `work` did,
// throwing included: work's result, with started's joined result when it
// was pending. An exception from `work` is rethrown after the join.
template <class R, class T>
boost::asio::awaitable<std::pair<R, std::optional<T>>> joinAfter(boost::asio::awaitable<R> work,
                                                                 Started<T>& started) {
  Settled<R> got = co_await settle(std::move(work));
  std::optional<T> other;
  if (started.pending()) other.emplace(co_await started.join());
  if (got.error) std::rethrow_exception(got.error);
  co_return std::pair<R, std::optional<T>>(std::move(*got.value), std::move(other));
}

// joinAfter for many: `work`'s result, with the results of those of
// `started` that were pending, by their keys, once every one has finished.
// The first exception (work's, else a join's) is rethrown after them all.
template <class R, class K, class T>
boost::asio::awaitable<std::pair<R, std::map<K, T>>> joinAllAfter(
    boost::asio::awaitable<R> work, std::map<K, Started<T>>& started) {
  Settled<R> got = co_await settle(std::move(work));
  std::exception_ptr failed = got.error;
  std::map<K, T> joined;
  for (auto& [key, one] : started) {
    if (!one.pending()) continue;
    Settled<T> result = co_await settle(one.join());
    if (result.value) joined.emplace(key, std::move(*result.value));
    if (!failed) failed = result.error;
  }
  if (failed) std::rethrow_exception(failed);
  co_return std::pair<R, std::map<K, T>>(std::move(*got.value), std::move(joined));
}

}  // namespace rr::rerank::detail
