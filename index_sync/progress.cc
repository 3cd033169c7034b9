#include "index_sync/progress.h"

#include <unistd.h>

#include <cmath>

namespace rr::index_sync {

Progress::Progress(std::string label, bool tty, std::FILE* out,
                   std::chrono::milliseconds interval,
                   std::function<Clock::time_point()> now)
    : label_(std::move(label)), tty_(tty), out_(out), interval_(interval),
      now_(std::move(now)) {
  start_ = now_();
  last_ = start_;
}

std::unique_ptr<Progress> Progress::forStderr(std::string label) {
  const bool tty = ::isatty(STDERR_FILENO) == 1;
  return std::make_unique<Progress>(
      std::move(label), tty, stderr,
      tty ? std::chrono::milliseconds(200) : std::chrono::seconds(10));
}

void Progress::setTotal(std::size_t total) {
  std::lock_guard lock(mu_);
  total_ = total;
}

std::string Progress::format(const std::string& label, std::size_t done, std::size_t total,
                             std::size_t written, double seconds, bool bar) {
  const double rate = seconds > 0 ? done / seconds : 0;
  std::string out = label + " ";
  if (bar && total > 0) {
    constexpr int kWidth = 30;
    const double frac = std::min(1.0, static_cast<double>(done) / total);
    const int filled = static_cast<int>(std::lround(frac * kWidth));
    out += "[" + std::string(filled, '#') + std::string(kWidth - filled, '.') + "] ";
  }
  out += std::to_string(done);
  if (total > 0) {
    out += "/" + std::to_string(total) + " (" +
           std::to_string(static_cast<int>(100.0 * done / total)) + "%)";
  }
  char tail[96];
  std::snprintf(tail, sizeof tail, " scanned, %zu written, %.0f items/s", written, rate);
  out += tail;
  if (total > done && rate > 0) {
    std::snprintf(tail, sizeof tail, ", ETA %.0fs", (total - done) / rate);
    out += tail;
  }
  return out;
}

void Progress::draw(std::size_t done, std::size_t written, bool final_line) {
  const double seconds = std::chrono::duration<double>(now_() - start_).count();
  const std::string line = format(label_, done, total_, written, seconds, tty_);
  if (tty_) {
    std::fprintf(out_, "\r%s\x1b[K%s", line.c_str(), final_line ? "\n" : "");
  } else {
    std::fprintf(out_, "%s\n", line.c_str());
  }
  std::fflush(out_);
}

void Progress::update(std::size_t done, std::size_t written) {
  std::lock_guard lock(mu_);
  const auto now = now_();
  if (now - last_ < interval_) return;
  last_ = now;
  draw(done, written, false);
}

void Progress::finish(std::size_t done, std::size_t written) {
  std::lock_guard lock(mu_);
  draw(done, written, true);
}

}  // namespace rr::index_sync
