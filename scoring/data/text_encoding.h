// Text clean-up for the converters: encodings, HTML entities, whitespace.
#pragma once

#include <string>
#include <string_view>

namespace rr::scoring::data {

// Each byte is one ISO-8859-1 code point; the result is UTF-8.
std::string latin1ToUtf8(std::string_view text);

// `text` with every byte sequence that is not valid UTF-8 (stray
// continuation bytes, truncated or overlong sequences, surrogates) replaced by
// U+FFFD, so the result can always be written as JSON.
std::string sanitizeUtf8(std::string_view text);

// Decodes the HTML character references found in scraped product text:
// &#NNN; &#xHH; &amp; &lt; &gt; &quot; &apos; &nbsp;. Anything else is kept
// as it is.
std::string decodeHtmlEntities(std::string_view text);

// Removes leading and trailing spaces and tabs.
std::string_view trim(std::string_view text);

// Collapses every run of whitespace to one space and trims the ends.
std::string collapseSpaces(std::string_view text);

// Appends the UTF-8 encoding of `code_point` (invalid ones as U+FFFD).
void appendUtf8(std::string& out, char32_t code_point);

}  // namespace rr::scoring::data
