// The small JSON writer of the data layer: strings and numbers appended to a
// buffer. Kept here so scoring/data depends on no other module.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace rr::scoring::data {

// Appends `text` as a quoted JSON string: `"` and `\` escaped, control
// characters as \n, \t, \r, \b, \f or \u00XX. Other bytes are copied as they
// are, so valid UTF-8 in gives valid JSON out.
void appendJsonString(std::string& out, std::string_view text);

// Appends the shortest decimal text that reads back as exactly `value`
// (e.g. 12.5, 4.2, 1e+21). `value` must be finite: JSON has no NaN/Inf.
void appendJsonNumber(std::string& out, double value);

void appendJsonInteger(std::string& out, int64_t value);

}  // namespace rr::scoring::data
