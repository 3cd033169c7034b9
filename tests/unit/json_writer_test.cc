// The hand-written JSON helpers: string escaping for request bodies and
// percent-encoding of path segments.
#include <catch2/catch.hpp>

#include <string>

#include "connectors/json_writer.h"

using namespace rr::connectors;

TEST_CASE("quotes and backslashes are escaped", "[unit][json_writer]") {
  CHECK(jsonString(R"(say "hi")") == R"("say \"hi\"")");
  CHECK(jsonString(R"(a\b)") == R"("a\\b")");
  CHECK(jsonString(R"(id "quoted" \ slash)") == R"("id \"quoted\" \\ slash")");
}

TEST_CASE("newline, tab and the other short escapes use their two-character forms",
          "[unit][json_writer]") {
  CHECK(jsonString("a\nb") == R"("a\nb")");
  CHECK(jsonString("a\tb") == R"("a\tb")");
  CHECK(jsonString("a\rb") == R"("a\rb")");
  CHECK(jsonString("a\bb") == R"("a\bb")");
  CHECK(jsonString("a\fb") == R"("a\fb")");
}

TEST_CASE("other control characters become six-character u00XX escapes", "[unit][json_writer]") {
  CHECK(jsonString("\x01") == R"("\u0001")");
  CHECK(jsonString("\x1f") == R"("\u001f")");
  CHECK(jsonString("a\x1b[0m") == R"("a\u001b[0m")");
  CHECK(jsonString(std::string("x\0y", 3)) == R"("x\u0000y")");
}

TEST_CASE("UTF-8, DEL and slashes pass through untouched", "[unit][json_writer]") {
  const std::string utf8 = "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x8e\xae";
  CHECK(jsonString(utf8) == "\"" + utf8 + "\"");
  CHECK(jsonString("\x7f") == "\"\x7f\"");
  CHECK(jsonString("a/b") == R"("a/b")");
  CHECK(jsonString("") == R"("")");
}

TEST_CASE("appendJsonString appends to what is already there", "[unit][json_writer]") {
  std::string out = R"({"_id":)";
  appendJsonString(out, "a\"b");
  out += "}";
  CHECK(out == R"({"_id":"a\"b"})");
}

TEST_CASE("path segments keep unreserved characters, commas and stars",
          "[unit][json_writer]") {
  CHECK(encodePathSegment("AZaz09-_.~") == "AZaz09-_.~");
  CHECK(encodePathSegment("logs-*,other") == "logs-*,other");
  CHECK(encodePathSegment("") == "");
}

TEST_CASE("path segments percent-encode everything else in upper-case hex",
          "[unit][json_writer]") {
  CHECK(encodePathSegment("a b") == "a%20b");
  CHECK(encodePathSegment("a/b") == "a%2Fb");
  CHECK(encodePathSegment("?#%&+=") == "%3F%23%25%26%2B%3D");
  CHECK(encodePathSegment(R"(id "quoted" \ slash)") ==
        "id%20%22quoted%22%20%5C%20slash");
  CHECK(encodePathSegment("caf\xc3\xa9") == "caf%C3%A9");
  CHECK(encodePathSegment(std::string("\0\x7f", 2)) == "%00%7F");
}
