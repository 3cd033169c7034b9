// The converters' text helpers: CSV/TSV records, encodings, times, sessions.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "scoring/data/delimited_reader.h"
#include "scoring/data/sessions.h"
#include "scoring/data/text_encoding.h"
#include "scoring/data/timestamp.h"
#include "tests/unit/training_data_fixtures.h"

using namespace rr::scoring::data;
using rr::scoring::data::testing::ScratchDir;
using Fields = std::vector<std::string>;

namespace {

std::vector<Fields> readAllRecords(const std::string& path, DelimitedOptions options) {
  auto reader = DelimitedReader::open(path, options);
  REQUIRE(reader);
  std::vector<Fields> out;
  Fields row;
  while (true) {
    auto more = reader->next(row);
    REQUIRE(more);
    if (!*more) break;
    out.push_back(row);
  }
  return out;
}

}  // namespace

TEST_CASE("unquoted CSV keeps quotes literal and trims blanks", "[unit][training_data]") {
  ScratchDir dir;
  const auto path = dir.write("a.csv", "h1,h2,h3\r\n\"x\" y , z,\r\n\n1,,\"\r\n");
  auto rows = readAllRecords(path, DelimitedOptions{});
  REQUIRE(rows.size() == 2);
  CHECK(rows[0] == Fields{"\"x\" y", "z", ""});
  CHECK(rows[1] == Fields{"1", "", "\""});
}

TEST_CASE("RFC 4180 CSV: doubled quotes, separators and line breaks inside quotes",
          "[unit][training_data]") {
  ScratchDir dir;
  const auto path = dir.write("a.csv", "a,b\n\"x, \"\"y\"\"\",\"two\nlines\"\nlast,\"\"\n");
  DelimitedOptions options{.quoting = DelimitedOptions::Quoting::kDoubled};
  auto reader = DelimitedReader::open(path, options);
  REQUIRE(reader);
  Fields row;
  REQUIRE(*reader->next(row));
  CHECK(row == Fields{"x, \"y\"", "two\nlines"});
  CHECK(reader->lineNumber() == 2);
  REQUIRE(*reader->next(row));
  CHECK(row == Fields{"last", ""});
  CHECK(reader->lineNumber() == 4);
  CHECK(!*reader->next(row));
}

TEST_CASE("backslash-escaped CSV as in the retrotech catalog", "[unit][training_data]") {
  ScratchDir dir;
  const auto path = dir.write(
      "p.csv",
      "\"upc\",\"name\",\"m\"\n"
      "\"1\",\"Samsung - 40\\\" Class, LCD\", \n"
      "\"2\",\"a\\\\b\", \"c\"\n");
  auto rows = readAllRecords(path, {.quoting = DelimitedOptions::Quoting::kBackslash});
  REQUIRE(rows.size() == 2);
  CHECK(rows[0] == Fields{"1", "Samsung - 40\" Class, LCD", ""});
  CHECK(rows[1] == Fields{"2", "a\\b", "c"});
}

TEST_CASE("an unclosed quote is an error naming the line where the record starts",
          "[unit][training_data]") {
  ScratchDir dir;
  const auto path = dir.write("a.csv", "a,b\n1,2\n\"open,3\n4,5\n");
  auto reader = DelimitedReader::open(path, {.quoting = DelimitedOptions::Quoting::kDoubled});
  REQUIRE(reader);
  Fields row;
  REQUIRE(*reader->next(row));
  auto bad = reader->next(row);
  REQUIRE(!bad);
  CHECK(bad.error().toString() ==
        path + ":3: a quoted field is not closed before the end of the file");
}

TEST_CASE("latin-1 fields become UTF-8", "[unit][training_data]") {
  ScratchDir dir;
  const auto path = dir.write("l.csv", "q\nPi\xf1" "ata\nconsol\xe9\n");
  auto rows = readAllRecords(path, {.encoding = DelimitedOptions::Encoding::kLatin1});
  REQUIRE(rows.size() == 2);
  CHECK(rows[0][0] == "Pi\xc3\xb1" "ata");
  CHECK(rows[1][0] == "consol\xc3\xa9");
  CHECK(latin1ToUtf8("\xff\x80 a") == "\xc3\xbf\xc2\x80 a");
}

TEST_CASE("invalid UTF-8 is replaced, valid UTF-8 kept", "[unit][training_data]") {
  CHECK(sanitizeUtf8("ok \xc3\xa9 \xf0\x9f\x8e\xae") == "ok \xc3\xa9 \xf0\x9f\x8e\xae");
  CHECK(sanitizeUtf8("a\xe9z") == "a\xef\xbf\xbdz");
  CHECK(sanitizeUtf8("\xc0\xaf") == "\xef\xbf\xbd");          // overlong '/'
  CHECK(sanitizeUtf8("\xed\xa0\x80") == "\xef\xbf\xbd");      // a surrogate
  CHECK(sanitizeUtf8("end\xe2\x82") == "end\xef\xbf\xbd");    // cut short
}

TEST_CASE("HTML character references are decoded", "[unit][training_data]") {
  CHECK(decodeHtmlEntities("Apple&#xae; iPod&#174; &amp; &quot;x&quot; &bogus; & done") ==
        "Apple\xc2\xae iPod\xc2\xae & \"x\" &bogus; & done");
}

TEST_CASE("UTC date-times parse to epoch milliseconds", "[unit][training_data]") {
  CHECK(parseUtcTimestamp("2011-08-11 03:59:04.27") == 1313035144270);
  CHECK(parseUtcTimestamp("2011-08-11 04:00:17.021") == 1313035217021);
  CHECK(parseUtcTimestamp("2011-08-11 03:59:04") == 1313035144000);
  CHECK(parseUtcTimestamp("2011-08-11T03:59:04.2Z") == 1313035144200);
  CHECK(parseUtcTimestamp("1970-01-01 00:00:00.000") == 0);
  CHECK(parseUtcTimestamp("2012-02-29 12:00:00") == 1330516800000);
  for (const char* bad : {"", "2011-08-11", "2011-02-30 00:00:00", "2011-08-11 25:00:00",
                          "2011-08-11 03:59:04.", "2011-08-11 03:59:04.27x", "11-08-11 03:59:04"}) {
    INFO(bad);
    CHECK(!parseUtcTimestamp(bad));
  }
  CHECK(formatUtcTimestamp(1313035144270) == "2011-08-11T03:59:04.270Z");
}

TEST_CASE("sessions split after 30 minutes without an event, per user",
          "[unit][training_data]") {
  constexpr int64_t kMin = 60'000;
  std::vector<Event> events = {
      {.type = Event::Type::kView, .user = "a", .ts_ms = 0, .item = "1"},
      {.type = Event::Type::kView, .user = "b", .ts_ms = 10 * kMin, .item = "1"},
      {.type = Event::Type::kView, .user = "a", .ts_ms = 30 * kMin, .item = "2"},  // gap = 30: same
      {.type = Event::Type::kView, .user = "a", .ts_ms = 60 * kMin + 1, .item = "3"},  // > 30: new
      {.type = Event::Type::kView, .user = "b", .ts_ms = 5 * kMin, .item = "0"},   // out of order
  };
  sortAndAssignSessions(events);
  std::vector<std::string> got;
  for (const auto& e : events) got.push_back(e.user + e.item + "@" + e.session);
  CHECK(got == std::vector<std::string>{"a1@a#1", "b0@b#1", "b1@b#1", "a2@a#1", "a3@a#2"});
}
