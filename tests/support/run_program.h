// Runs a program the tests built (a path from the build) and collects what
// it said. Test-only.
#pragma once

#include <string>
#include <vector>

namespace rr::testing {

struct ProgramRun {
  int exit_code = -1;  // 128 + signal when a signal ended it
  std::string out, err;
};

// Runs `binary` with `args` to its end, its stdout and stderr collected
// through files in a scratch directory of its own.
ProgramRun runProgram(const std::string& binary, const std::vector<std::string>& args);

}  // namespace rr::testing
