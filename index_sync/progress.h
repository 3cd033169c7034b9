// Progress of a long job on stderr: a bar redrawn in place on a terminal,
// plain lines at most every `interval` otherwise (CI logs), never both.
#pragma once

#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

namespace rr::index_sync {

class Progress {
 public:
  using Clock = std::chrono::steady_clock;

  // `tty`: draw a bar; otherwise print lines. `out` defaults to stderr.
  Progress(std::string label, bool tty, std::FILE* out = stderr,
           std::chrono::milliseconds interval = std::chrono::seconds(10),
           std::function<Clock::time_point()> now = Clock::now);
  // A Progress that draws a bar when stderr is a terminal.
  static std::unique_ptr<Progress> forStderr(std::string label);

  void setTotal(std::size_t total);
  // Called from any thread; draws when due.
  void update(std::size_t done, std::size_t written);
  // The final line (always printed).
  void finish(std::size_t done, std::size_t written);

  // The text of one progress line (pure; exposed for tests).
  static std::string format(const std::string& label, std::size_t done, std::size_t total,
                            std::size_t written, double seconds, bool bar);

 private:
  void draw(std::size_t done, std::size_t written, bool final_line);

  std::string label_;
  bool tty_;
  std::FILE* out_;
  std::chrono::milliseconds interval_;
  std::function<Clock::time_point()> now_;
  Clock::time_point start_;
  Clock::time_point last_;
  std::size_t total_ = 0;
  std::mutex mu_;
};

}  // namespace rr::index_sync
