// Progress of a long phase of the training tools (an epoch, fetching the
// candidate windows), written to a stream, usually stderr.
//
// Two modes:
// - kTerminal: one line redrawn in place with '\r' (at most every
//   redraw_every_s) with a bar, done/total, rate, running loss and ETA;
//   finish() draws it a last time and ends the line.
// - kLog (stderr is a file or a pipe, e.g. a CI log): plain lines, written
//   only when at least log_every_s have passed since the last line AND at
//   least log_every_fraction more of the work is done, or when heartbeat_s
//   have passed with no line; finish() always writes one summary line.
//
// The clock is injected (seconds on any monotonic scale) so the rate
// limiting is testable. Not thread-safe: one phase, one thread.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <ostream>
#include <string>

namespace rr::scoring::pipeline {

class Progress {
 public:
  enum class Mode { kTerminal, kLog };
  using Clock = std::function<double()>;

  struct Options {
    Mode mode = Mode::kLog;
    double log_every_s = 10;
    double log_every_fraction = 0.1;
    double heartbeat_s = 60;
    double redraw_every_s = 0.1;
    int bar_width = 20;
  };

  // `label`: what runs ("[train] epoch 3/10"); `unit`: what is counted
  // ("lists"). `total` may be 0 (then only finish() writes).
  Progress(std::ostream& out, std::string label, std::string unit, std::size_t total,
           Options options, Clock clock = steadySeconds);

  // `done` items so far (monotonic), and the running mean loss if any.
  void update(std::size_t done, std::optional<double> loss = std::nullopt);

  // Writes the final line with the last update()'s figures (once; later
  // calls do nothing): done/total, mean rate, loss, elapsed time.
  void finish();

  std::size_t linesWritten() const { return lines_; }

  // kTerminal when `fd` is a terminal, kLog otherwise.
  static Mode modeFor(int fd);
  static double steadySeconds();

  // "42s", "3m05s", "1h02m"; "?" for a negative or non-finite value.
  static std::string formatDuration(double seconds);
  // "950", "12.3k", "4.56M" style counts per second with 3 significant digits.
  static std::string formatRate(double per_second);

  // The status text for `done` items at `elapsed` seconds (no '\r', no '\n').
  std::string status(std::size_t done, double elapsed, bool with_bar) const;

 private:
  void write(const std::string& text, bool newline);

  std::ostream& out_;
  std::string label_;
  std::string unit_;
  std::size_t total_;
  Options options_;
  Clock clock_;
  double start_;
  double last_write_;
  std::size_t last_done_ = 0;   // done at the last log line
  std::size_t done_ = 0;
  std::optional<double> loss_;
  std::size_t drawn_width_ = 0;  // terminal: length of the line on screen
  std::size_t lines_ = 0;
  bool finished_ = false;
};

}  // namespace rr::scoring::pipeline
