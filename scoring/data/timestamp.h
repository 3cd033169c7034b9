// UTC date-time text <-> epoch milliseconds.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

namespace rr::scoring::data {

// "2011-08-11 03:59:04.27" (UTC; 'T' instead of the space and a trailing 'Z'
// are accepted; 0 to 6 fraction digits, rounded down to the millisecond) ->
// epoch milliseconds. The error says what is wrong with the text.
std::expected<int64_t, std::string> parseUtcTimestamp(std::string_view text);

// Epoch milliseconds -> "2011-08-11T03:59:04.270Z".
std::string formatUtcTimestamp(int64_t epoch_ms);

}  // namespace rr::scoring::data
