// Every parser in connectors/ against damaged input: each prefix of each
// recorded response (a cut connection at every byte) and a few hundred
// deterministic byte mutations. Each call must return a value or an error;
// the sanitizer build turns any out-of-bounds read into a failure here.
#include <catch2/catch.hpp>

#include <cstdint>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/bulk.h"
#include "connectors/engine_client.h"
#include "connectors/search_response.h"
#include "tests/unit/connector_fixtures.h"

using namespace rr::connectors;
using rr::unit::offsetIn;
using rr::unit::readFixture;

namespace {

// Which parser a fixture is meant for, and what it gives at full length.
enum class Kind {
  kSearch,       // parseSearchResponse succeeds
  kEngineError,  // parseSearchResponse reports kEngineError
  kMsearch,      // parseMsearchResponse succeeds
  kBulk,         // parseBulkResponse(…, 6) succeeds
  kInfo,         // parseEngineInfo succeeds
  kBroken,       // nothing accepts it
};

struct FixtureCase {
  const char* name;
  Kind kind;
};

constexpr FixtureCase kFixtures[] = {
    {"search_halo.json", Kind::kSearch},
    {"search_pretty.json", Kind::kSearch},
    {"search_sorted_null_score.json", Kind::kSearch},
    {"search_escaped_id.json", Kind::kSearch},
    {"search_total_as_int.json", Kind::kSearch},
    {"search_truncated.json", Kind::kBroken},
    {"msearch_mixed.json", Kind::kMsearch},
    {"bulk_with_item_errors.json", Kind::kBulk},
    {"error_index_not_found.json", Kind::kEngineError},
    {"error_parsing.json", Kind::kEngineError},
    {"bad_gateway.html", Kind::kBroken},
    {"info_opensearch.json", Kind::kInfo},
    {"info_elasticsearch.json", Kind::kInfo},
};

constexpr std::size_t kBulkItems = 6;

// A slice handed out by a parser must lie inside the bytes it parsed (or be
// one of the unescaped copies, which are never raw/source/sort slices).
bool sliceInside(std::string_view body, std::string_view slice) {
  return slice.empty() || offsetIn(body, slice) != std::string_view::npos;
}

bool containerSlice(std::string_view s) {
  return s.empty() || (s.size() >= 2 && (s.front() == '{' || s.front() == '[') &&
                       (s.back() == '}' || s.back() == ']'));
}

// Invariants of a successful parse, returned as a description of the first
// broken one (empty when all hold).
std::string checkResult(const SearchResult& r, std::string_view body) {
  for (std::size_t i = 0; i < r.hits.size(); ++i) {
    const Hit& h = r.hits[i];
    const std::string where = "hit " + std::to_string(i) + ": ";
    if (h.raw.size() < 2 || h.raw.front() != '{' || h.raw.back() != '}') {
      return where + "raw is not an object";
    }
    if (!sliceInside(body, h.raw)) return where + "raw outside the body";
    if (!sliceInside(body, h.source) || !containerSlice(h.source)) {
      return where + "bad source slice";
    }
    if (!sliceInside(body, h.sort) || !containerSlice(h.sort)) {
      return where + "bad sort slice";
    }
    if (!h.source.empty() && offsetIn(h.raw, h.source) == std::string_view::npos) {
      return where + "source outside its hit";
    }
  }
  if (!sliceInside(body, r.raw) || !sliceInside(body, r.shards) ||
      !sliceInside(body, r.aggregations)) {
    return "response slice outside the body";
  }
  return {};
}

// The outcome of running every parser over one input.
struct Outcome {
  bool search_ok = false;
  ErrorCode search_code = ErrorCode::kInternal;
  bool msearch_ok = false;
  ErrorCode msearch_code = ErrorCode::kInternal;
  bool bulk_ok = false;
  ErrorCode bulk_code = ErrorCode::kInternal;
  bool info_ok = false;
  ErrorCode info_code = ErrorCode::kInternal;
  std::string broken;  // a violated invariant, if any
};

Outcome runAll(const std::string& input) {
  Outcome o;
  if (auto r = parseSearchResponse(input)) {
    o.search_ok = true;
    if (auto bad = checkResult(*r, r->buffer->body); !bad.empty()) {
      o.broken = "search: " + bad;
    }
  } else {
    o.search_code = r.error().code;
  }
  if (auto r = parseMsearchResponse(input)) {
    o.msearch_ok = true;
    for (const auto& item : r->responses) {
      if (!item) {
        if (item.error().code != ErrorCode::kEngineError) {
          o.broken = "msearch: item error that is not an engine error";
        }
        continue;
      }
      if (auto bad = checkResult(*item, r->buffer->body); !bad.empty()) {
        o.broken = "msearch: " + bad;
      }
    }
  } else {
    o.msearch_code = r.error().code;
  }
  if (auto r = parseBulkResponse(input, kBulkItems)) {
    o.bulk_ok = true;
    if (r->items.size() != kBulkItems) o.broken = "bulk: wrong item count";
  } else {
    o.bulk_code = r.error().code;
  }
  if (auto r = parseEngineInfo(input)) {
    o.info_ok = true;
    if (r->version.empty()) o.broken = "info: success without a version";
  } else {
    o.info_code = r.error().code;
  }
  return o;
}

// Did the parser meant for `kind` accept the input (for kEngineError: report
// the engine's error)?
bool meantParserAccepts(Kind kind, const Outcome& o) {
  switch (kind) {
    case Kind::kSearch: return o.search_ok;
    case Kind::kEngineError:
      return !o.search_ok && o.search_code == ErrorCode::kEngineError;
    case Kind::kMsearch: return o.msearch_ok;
    case Kind::kBulk: return o.bulk_ok;
    case Kind::kInfo: return o.info_ok;
    case Kind::kBroken: return false;
  }
  return false;
}

// The code the meant parser reported when it failed.
ErrorCode meantParserCode(Kind kind, const Outcome& o) {
  switch (kind) {
    case Kind::kSearch:
    case Kind::kEngineError:
    case Kind::kBroken: return o.search_code;
    case Kind::kMsearch: return o.msearch_code;
    case Kind::kBulk: return o.bulk_code;
    case Kind::kInfo: return o.info_code;
  }
  return ErrorCode::kInternal;
}

std::string listed(const std::vector<std::size_t>& v) {
  std::ostringstream out;
  for (std::size_t i = 0; i < v.size() && i < 20; ++i) out << v[i] << ' ';
  if (v.size() > 20) out << "... (" << v.size() << " in all)";
  return out.str();
}

// Bytes that change JSON structure when dropped in.
constexpr char kInteresting[] = {'{', '}', '[', ']', '"', ':', ',', '\\', ' ',
                                 '\n', '0', '-', '1', 'e', '.', 'n', 't', 'f',
                                 'u', '\0', '\x7f', '\xff', '\xc3'};

// One to three edits: overwrite, random byte, delete, insert, or duplicate a
// short slice elsewhere. Uses the raw engine output (not a distribution) so
// the sequence is the same with every standard library.
std::string mutate(std::string s, std::mt19937& rng) {
  const unsigned edits = 1 + rng() % 3;
  for (unsigned k = 0; k < edits; ++k) {
    if (s.empty()) s.push_back('{');
    const std::size_t at = rng() % s.size();
    const char pick = kInteresting[rng() % sizeof(kInteresting)];
    switch (rng() % 5) {
      case 0: s[at] = pick; break;
      case 1: s[at] = static_cast<char>(rng() & 0xFF); break;
      case 2: s.erase(at, 1); break;
      case 3: s.insert(at, 1, pick); break;
      default: {
        const std::size_t from = rng() % s.size();
        const std::size_t len = 1 + rng() % 16;
        const std::string slice = s.substr(from, len);
        s.insert(at, slice);
        break;
      }
    }
  }
  return s;
}

}  // namespace

TEST_CASE("every prefix of a recorded response parses to a value or an error, never a crash",
          "[unit][robustness]") {
  for (const FixtureCase& fixture : kFixtures) {
    INFO("fixture " << fixture.name);
    const std::string text = readFixture(fixture.name);
    const std::size_t last_brace = text.rfind('}');
    std::vector<std::size_t> accepted_short;  // prefix lengths wrongly accepted
    std::vector<std::size_t> wrong_code;      // failed, but not as kBadResponse
    std::vector<std::size_t> broken;          // success with bad slices
    std::vector<std::size_t> rejected_whole;  // whole body, yet not accepted
    std::string first_broken;
    for (std::size_t len = 0; len <= text.size(); ++len) {
      const Outcome o = runAll(text.substr(0, len));
      if (!o.broken.empty()) {
        if (broken.empty()) first_broken = o.broken;
        broken.push_back(len);
      }
      // A broken fixture is unusable at every length; a good one once its
      // closing brace is cut off. Either way no parser may accept it.
      const bool unusable = fixture.kind == Kind::kBroken ||
                            (last_brace != std::string::npos && len <= last_brace);
      if (!unusable) {
        // Only trailing whitespace is missing: the body is whole.
        if (!meantParserAccepts(fixture.kind, o)) rejected_whole.push_back(len);
        continue;
      }
      if (o.search_ok || o.msearch_ok || o.bulk_ok || o.info_ok) {
        accepted_short.push_back(len);
      }
      // Cut engine error bodies have their own case below.
      if (fixture.kind != Kind::kEngineError &&
          meantParserCode(fixture.kind, o) != ErrorCode::kBadResponse) {
        wrong_code.push_back(len);
      }
    }
    INFO("prefix lengths accepted although cut before the last '}': "
         << listed(accepted_short));
    CHECK(accepted_short.empty());
    INFO("prefix lengths whose error was not kBadResponse: " << listed(wrong_code));
    CHECK(wrong_code.empty());
    INFO("prefix lengths with broken slices: " << listed(broken) << first_broken);
    CHECK(broken.empty());
    INFO("whole-body lengths not accepted: " << listed(rejected_whole));
    CHECK(rejected_whole.empty());

    const Outcome full = runAll(text);
    if (fixture.kind == Kind::kBroken) {
      CHECK_FALSE(full.search_ok);
      CHECK_FALSE(full.msearch_ok);
      CHECK_FALSE(full.bulk_ok);
      CHECK_FALSE(full.info_ok);
      CHECK(full.search_code == ErrorCode::kBadResponse);
    } else {
      CHECK(meantParserAccepts(fixture.kind, full));
    }
  }
}

TEST_CASE("a few hundred deterministic byte mutations of each response never crash a parser",
          "[unit][robustness]") {
  constexpr int kMutationsPerFixture = 400;
  std::uint32_t seed = 0x5EED0001;
  std::size_t total_accepted = 0;
  std::size_t total_rejected = 0;
  for (const FixtureCase& fixture : kFixtures) {
    INFO("fixture " << fixture.name);
    const std::string text = readFixture(fixture.name);
    std::mt19937 rng(seed++);
    std::vector<std::size_t> broken;
    std::string first_broken;
    std::string first_broken_input;
    for (int m = 0; m < kMutationsPerFixture; ++m) {
      const std::string input = mutate(text, rng);
      const Outcome o = runAll(input);
      if (!o.broken.empty()) {
        if (broken.empty()) {
          first_broken = o.broken;
          first_broken_input = input;
        }
        broken.push_back(static_cast<std::size_t>(m));
      }
      if (meantParserAccepts(fixture.kind, o)) {
        ++total_accepted;
      } else {
        ++total_rejected;
      }
    }
    INFO("mutations with broken slices: " << listed(broken) << first_broken
                                          << "\ninput: " << first_broken_input);
    CHECK(broken.empty());
  }
  // The mutations must exercise both outcomes, or they test nothing.
  CHECK(total_accepted > 0);
  CHECK(total_rejected > 0);
}

TEST_CASE("a valid body cut at each byte and given fresh padding is still rejected",
          "[unit][robustness]") {
  // The body's bytes past its end are whatever the allocator left; a parser
  // that peeks there must not take a stray '}' for the real end. Fill the
  // room after a cut body with closing braces and check it stays an error.
  const std::string text = readFixture("search_halo.json");
  std::vector<std::size_t> accepted;
  for (std::size_t len = 1; len < text.size(); ++len) {
    std::string body = text;
    body.replace(len, std::string::npos, std::string(128, '}'));
    body.resize(len);  // the braces stay in the capacity, past the end
    if (parseSearchResponse(std::move(body))) accepted.push_back(len);
  }
  INFO("cut lengths accepted: " << listed(accepted));
  CHECK(accepted.empty());
}

// Regression, see "an engine error body cut inside the error object is a bad
// response" in search_response_test.cc.
TEST_CASE("every cut of an engine error body is a bad response, not an engine error",
          "[unit][robustness]") {
  for (const char* name : {"error_index_not_found.json", "error_parsing.json"}) {
    INFO("fixture " << name);
    const std::string text = readFixture(name);
    std::vector<std::size_t> wrong_code;
    for (std::size_t len = 0; len < text.rfind('}'); ++len) {
      auto r = parseSearchResponse(text.substr(0, len));
      if (r || r.error().code != ErrorCode::kBadResponse) wrong_code.push_back(len);
    }
    INFO("cut lengths not reported as kBadResponse: " << listed(wrong_code));
    CHECK(wrong_code.empty());
  }
}
