// The training tools' progress display: its text and how often it writes,
// with an injected clock.
#include <catch2/catch.hpp>

#include <algorithm>
#include <sstream>

#include "scoring/pipeline/progress.h"

using rr::scoring::pipeline::Progress;

namespace {

struct FakeClock {
  double now = 100;
  Progress::Clock clock() {
    return [this] { return now; };
  }
};

std::size_t count(const std::string& text, char c) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), c));
}

}  // namespace

TEST_CASE("durations and rates are short and readable", "[unit][progress]") {
  CHECK(Progress::formatDuration(0) == "0s");
  CHECK(Progress::formatDuration(42.4) == "42s");
  CHECK(Progress::formatDuration(185) == "3m05s");
  CHECK(Progress::formatDuration(3720) == "1h02m");
  CHECK(Progress::formatDuration(-1) == "?");
  CHECK(Progress::formatRate(3.14159) == "3.14");
  CHECK(Progress::formatRate(950.4) == "950");
  CHECK(Progress::formatRate(12345) == "12.3k");
  CHECK(Progress::formatRate(4.5e6) == "4.5M");
}

TEST_CASE("a log line gives done/total, rate, running loss and ETA", "[unit][progress]") {
  FakeClock t;
  std::ostringstream out;
  Progress p(out, "[train] epoch 2/10", "lists", 1000, {.mode = Progress::Mode::kLog}, t.clock());
  t.now += 20;
  p.update(250, 2.5);
  // 250 lists in 20 s: 12.5/s, 750 left -> 60 s.
  CHECK(out.str() == "[train] epoch 2/10: 250/1000 lists (25%), 12.5 lists/s, loss 2.5000, ETA 1m00s\n");
  t.now += 60;
  p.update(1000, 2.0);
  p.finish();
  CHECK(out.str().ends_with("[train] epoch 2/10: 1000/1000 lists (100%), 12.5 lists/s, loss 2.0000, 1m20s\n"));
}

TEST_CASE("in a log, lines come at most every 10 s and every 10%, plus the final one",
          "[unit][progress]") {
  FakeClock t;
  std::ostringstream out;
  Progress p(out, "fetch", "queries", 10000, {.mode = Progress::Mode::kLog}, t.clock());
  // 1% per second for 100 s: 10 s and 10% coincide -> a line every 10 s,
  // none at 100% (finish() writes that one).
  for (int s = 1; s <= 100; ++s) {
    t.now += 1;
    p.update(static_cast<std::size_t>(s) * 100);
  }
  CHECK(p.linesWritten() == 9);
  p.finish();
  p.finish();
  CHECK(p.linesWritten() == 10);
  CHECK(count(out.str(), '\n') == 10);
  CHECK(count(out.str(), '\r') == 0);

  // Fast work: 10% per 0.1 s -> no line before 10 s have passed.
  std::ostringstream fast_out;
  t.now = 1000;
  Progress fast(fast_out, "fast", "lists", 100, {.mode = Progress::Mode::kLog}, t.clock());
  for (int i = 1; i <= 9; ++i) {
    t.now += 0.1;
    fast.update(static_cast<std::size_t>(i) * 10);
  }
  CHECK(fast.linesWritten() == 0);

  // Slow work: 0.1% per second -> a heartbeat line every 60 s even though
  // 10% is never reached between two lines.
  std::ostringstream slow_out;
  t.now = 2000;
  Progress slow(slow_out, "slow", "lists", 1000, {.mode = Progress::Mode::kLog}, t.clock());
  for (int s = 1; s <= 130; ++s) {
    t.now += 1;
    slow.update(static_cast<std::size_t>(s));
  }
  CHECK(slow.linesWritten() == 2);
}

TEST_CASE("on a terminal one line is redrawn with a carriage return, at most every 0.1 s",
          "[unit][progress]") {
  FakeClock t;
  std::ostringstream out;
  Progress p(out, "[train] epoch 1/3", "lists", 200,
             {.mode = Progress::Mode::kTerminal, .bar_width = 10}, t.clock());
  t.now += 1;
  p.update(100, 1.25);
  CHECK(out.str() == "\r[train] epoch 1/3 [#####.....] 100/200 lists (50%), 100 lists/s, "
                     "loss 1.2500, ETA 1s");
  for (int i = 1; i <= 9; ++i) {
    t.now += 0.01;  // nine updates within 0.1 s of the last redraw: none
    p.update(100 + static_cast<std::size_t>(i));
  }
  CHECK(p.linesWritten() == 1);
  t.now += 0.5;
  p.update(200, 1.0);
  p.finish();
  CHECK(count(out.str(), '\n') == 1);
  CHECK(out.str().ends_with("\n"));
  CHECK(out.str().find("[##########] 200/200 lists (100%)") != std::string::npos);
}

TEST_CASE("a shorter redraw blanks what is left of the longer line before it",
          "[unit][progress]") {
  FakeClock t;
  std::ostringstream out;
  Progress p(out, "x", "items", 10, {.mode = Progress::Mode::kTerminal, .bar_width = 4},
             t.clock());
  t.now += 1;
  p.update(1, 123456.0);  // a long loss figure
  const std::size_t first = out.str().size() - 1;  // without the '\r'
  out.str("");
  t.now += 1;
  p.update(2, 1.0);
  const std::string second = out.str();
  CHECK(second.size() - 1 == first);
  CHECK(second.back() == ' ');
}
