#include "scoring/pipeline/progress.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

namespace rr::scoring::pipeline {

Progress::Progress(std::ostream& out, std::string label, std::string unit, std::size_t total,
                   Options options, Clock clock)
    : out_(out),
      label_(std::move(label)),
      unit_(std::move(unit)),
      total_(total),
      options_(options),
      clock_(std::move(clock)),
      start_(clock_()),
      last_write_(start_) {}

Progress::Mode Progress::modeFor(int fd) {
  return ::isatty(fd) ? Mode::kTerminal : Mode::kLog;
}

double Progress::steadySeconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string Progress::formatDuration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const auto s = static_cast<long long>(std::llround(seconds));
  char buf[32];
  if (s < 60) {
    std::snprintf(buf, sizeof buf, "%llds", s);
  } else if (s < 3600) {
    std::snprintf(buf, sizeof buf, "%lldm%02llds", s / 60, s % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%lldh%02lldm", s / 3600, (s % 3600) / 60);
  }
  return buf;
}

std::string Progress::formatRate(double per_second) {
  if (!std::isfinite(per_second) || per_second < 0) return "?";
  char buf[32];
  if (per_second >= 1e6) {
    std::snprintf(buf, sizeof buf, "%.3gM", per_second / 1e6);
  } else if (per_second >= 1e4) {
    std::snprintf(buf, sizeof buf, "%.3gk", per_second / 1e3);
  } else if (per_second >= 100) {
    std::snprintf(buf, sizeof buf, "%.0f", per_second);
  } else {
    std::snprintf(buf, sizeof buf, "%.3g", per_second);
  }
  return buf;
}

std::string Progress::status(std::size_t done, double elapsed, bool with_bar) const {
  std::string s = label_;
  const double fraction =
      total_ == 0 ? 1.0 : std::min(1.0, static_cast<double>(done) / static_cast<double>(total_));
  if (with_bar) {
    const int width = std::max(options_.bar_width, 1);
    const int full = static_cast<int>(fraction * width);
    s += " [" + std::string(static_cast<std::size_t>(full), '#') +
         std::string(static_cast<std::size_t>(width - full), '.') + "]";
  } else {
    s += ":";
  }
  char buf[160];
  std::snprintf(buf, sizeof buf, " %zu/%zu %s (%d%%)", done, total_, unit_.c_str(),
                static_cast<int>(fraction * 100));
  s += buf;
  const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0.0;
  s += ", " + (elapsed > 0 ? formatRate(rate) : std::string("?")) + " " + unit_ + "/s";
  if (loss_) {
    std::snprintf(buf, sizeof buf, ", loss %.4f", *loss_);
    s += buf;
  }
  if (done >= total_) {
    s += ", " + formatDuration(elapsed);
  } else {
    s += ", ETA " + (rate > 0 ? formatDuration(static_cast<double>(total_ - done) / rate)
                              : std::string("?"));
  }
  return s;
}

void Progress::write(const std::string& text, bool newline) {
  if (options_.mode == Mode::kTerminal) {
    // Spaces over what is left of a longer previous line.
    const std::size_t pad = drawn_width_ > text.size() ? drawn_width_ - text.size() : 0;
    out_ << '\r' << text << std::string(pad, ' ');
    drawn_width_ = newline ? 0 : text.size();
    if (newline) out_ << '\n';
  } else {
    out_ << text << '\n';
  }
  out_.flush();
  ++lines_;
}

void Progress::update(std::size_t done, std::optional<double> loss) {
  if (finished_) return;
  done_ = done;
  if (loss) loss_ = loss;
  const double now = clock_();
  const double since = now - last_write_;
  if (options_.mode == Mode::kTerminal) {
    if (since < options_.redraw_every_s && lines_ > 0) return;
    write(status(done, now - start_, true), false);
    last_write_ = now;
    return;
  }
  if (total_ == 0) return;
  const double advanced =
      static_cast<double>(done - std::min(done, last_done_)) / static_cast<double>(total_);
  const bool due = (since >= options_.log_every_s && advanced >= options_.log_every_fraction) ||
                   since >= options_.heartbeat_s;
  if (!due || done >= total_) return;  // the last line is finish()'s
  write(status(done, now - start_, false), true);
  last_write_ = now;
  last_done_ = done;
}

void Progress::finish() {
  if (finished_) return;
  finished_ = true;
  const double now = clock_();
  write(status(done_, now - start_, options_.mode == Mode::kTerminal), true);
}

}  // namespace rr::scoring::pipeline
