#include "scoring/data/timestamp.h"

#include <chrono>
#include <cstdio>

namespace rr::scoring::data {
namespace {

// Reads exactly `digits` decimal digits at text[pos].
bool readNumber(std::string_view text, std::size_t pos, std::size_t digits, int& out) {
  if (pos + digits > text.size()) return false;
  int value = 0;
  for (std::size_t i = 0; i < digits; ++i) {
    const char c = text[pos + i];
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  out = value;
  return true;
}

}  // namespace

std::expected<int64_t, std::string> parseUtcTimestamp(std::string_view text) {
  const std::string bad =
      "'" + std::string(text) + "' is not a date-time like 2011-08-11 03:59:04.27";
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (text.size() < 19 || !readNumber(text, 0, 4, year) || text[4] != '-' ||
      !readNumber(text, 5, 2, month) || text[7] != '-' || !readNumber(text, 8, 2, day) ||
      (text[10] != ' ' && text[10] != 'T') || !readNumber(text, 11, 2, hour) ||
      text[13] != ':' || !readNumber(text, 14, 2, minute) || text[16] != ':' ||
      !readNumber(text, 17, 2, second)) {
    return std::unexpected(bad);
  }
  std::string_view rest = text.substr(19);
  if (!rest.empty() && rest.back() == 'Z') rest.remove_suffix(1);
  int millis = 0;
  if (!rest.empty()) {
    if (rest[0] != '.' || rest.size() < 2 || rest.size() > 7) return std::unexpected(bad);
    int scale = 100;
    for (std::size_t i = 1; i < rest.size(); ++i) {
      if (rest[i] < '0' || rest[i] > '9') return std::unexpected(bad);
      millis += (rest[i] - '0') * scale;
      scale /= 10;
    }
  }
  using namespace std::chrono;
  const year_month_day date{std::chrono::year(year),
                            std::chrono::month(static_cast<unsigned>(month)),
                            std::chrono::day(static_cast<unsigned>(day))};
  if (!date.ok() || hour > 23 || minute > 59 || second > 60) return std::unexpected(bad);
  const auto days = sys_days(date).time_since_epoch().count();
  return ((static_cast<int64_t>(days) * 24 + hour) * 60 + minute) * 60000 +
         static_cast<int64_t>(second) * 1000 + millis;
}

std::string formatUtcTimestamp(int64_t epoch_ms) {
  using namespace std::chrono;
  const sys_time<milliseconds> t{milliseconds(epoch_ms)};
  const auto day_start = floor<days>(t);
  const year_month_day date{day_start};
  const hh_mm_ss<milliseconds> time{t - day_start};
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ",
                static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                static_cast<unsigned>(date.day()), static_cast<int>(time.hours().count()),
                static_cast<int>(time.minutes().count()), static_cast<int>(time.seconds().count()),
                static_cast<int>(time.subseconds().count()));
  return buffer;
}

}  // namespace rr::scoring::data
