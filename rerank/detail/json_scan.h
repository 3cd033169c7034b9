// Locates the members of a JSON object as slices of its text, so a rewriter can copy every other
// byte verbatim. Internal to rerank/.
//
// The scanner does not validate: it is run on text that a real JSON parser
// already accepted (the client's body after simdjson's DOM parse, the
// engine's response after parseSearchResponse). It is bounds-checked, so
// text it does not understand makes it return false, never read past the end.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace rr::rerank::detail {

struct Member {
  std::string_view key;    // as written between the quotes (escapes kept)
  std::string_view text;   // `"key": value`, from the opening quote to the value's end
  std::string_view value;  // the value alone
};

struct ObjectLayout {
  std::string_view open_gap;   // whitespace after `{` (before the first member)
  std::string_view close_gap;  // whitespace before `}` (after the last member)
  std::vector<Member> members;
  // separators[i]: the text between members[i-1] and members[i] (`,` and
  // whitespace); separators[0] is empty.
  std::vector<std::string_view> separators;
};

// `text` is one object (leading and trailing whitespace allowed).
// `known`: values inside `text` already delimited by a parser (a search
// response's hits), in text order; the scan jumps over each one it meets at
// its start instead of reading it. Views into other text are ignored.
bool scanObject(std::string_view text, ObjectLayout& out,
                std::span<const std::string_view> known = {});

// Writes an object with the layout's whitespace: member i becomes
// `replacement[i]` when set (an empty view drops the member), else its
// original text; `appended` (already `"k":v,...` text, may be empty) is added
// after the last member.
void writeObject(std::string& out, const ObjectLayout& layout,
                 std::span<const std::optional<std::string_view>> replacement,
                 std::string_view appended = {});

// Appends `d` as a JSON number, the shortest text that reads back as `d`,
// with ".0" on integral values like the engine writes floats. Non-finite
// values are the caller's to avoid (written as 0).
void appendDouble(std::string& out, double d);
// The same for a float; non-finite values are written as null.
void appendFloat(std::string& out, float f);

}  // namespace rr::rerank::detail
