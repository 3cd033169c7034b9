// The end-to-end drivers' integer flags, read as the tools read theirs
// (scoring/tools/cli_flags.h): the whole value or nothing, so a typo ("4x",
// "abc", a number past int) is refused by name, not cut short or thrown out
// of std::stoi.
#pragma once

#include <climits>
#include <cstdlib>
#include <iostream>
#include <string>

#include "scoring/tools/cli_flags.h"

namespace rr::bench {

// FLAG's value V as an int; otherwise prints "PROGRAM: FLAG: expected an
// integer, got 'V'" and exits with 1.
inline int intFlag(const char* program, const std::string& flag, const std::string& v) {
  const auto n = scoring::tools::wholeInteger(v);
  if (!n || *n < INT_MIN || *n > INT_MAX) {
    std::cerr << program << ": " << flag << ": expected an integer, got '" << v << "'\n";
    std::exit(1);
  }
  return static_cast<int>(*n);
}

}  // namespace rr::bench
