// The end-to-end drivers' integer flags: the whole value or nothing, so a
// typo ("4x", "abc", a number past int) is refused by name, not cut short or
// thrown out of std::stoi.
#pragma once

#include <charconv>
#include <cstdlib>
#include <iostream>
#include <string>

namespace rr::bench {

// FLAG's value V as an int; otherwise prints "PROGRAM: FLAG: expected an
// integer, got 'V'" and exits with 1.
inline int intFlag(const char* program, const std::string& flag, const std::string& v) {
  int out = 0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (v.empty() || ec != std::errc{} || end != v.data() + v.size()) {
    std::cerr << program << ": " << flag << ": expected an integer, got '" << v << "'\n";
    std::exit(1);
  }
  return out;
}

}  // namespace rr::bench
