// `--name value` command-line flags for the data tools. Unknown flags, a
// flag without its value and a flag given twice are errors that name it.
// `--help` or `-h` where a flag may stand asks for the usage text.
#pragma once

#include <cstdint>
#include <expected>
#include <map>
#include <optional>
#include <string>

#include "scoring/tools/cli_flags.h"

namespace rr::scoring::tools {

class ToolArgs {
 public:
  // Parses argv[first..argc). Accepts the flags of `spec` that take a value
  // (the data tools have no switches). Stops at `--help` or `-h`: the
  // result then has helpRequested() and nothing else.
  static std::expected<ToolArgs, std::string> parse(int argc, char** argv, int first,
                                                    const CliSpec& spec);

  bool helpRequested() const { return help_; }
  bool has(const std::string& name) const { return values_.contains(name); }
  std::optional<std::string> get(const std::string& name) const;
  // "--name is required" when absent.
  std::expected<std::string, std::string> require(const std::string& name) const;
  // "--name: 'x' is not a whole number >= min" when malformed.
  std::expected<int64_t, std::string> integer(const std::string& name, int64_t fallback,
                                              int64_t min) const;

 private:
  std::map<std::string, std::string> values_;
  bool help_ = false;
};

}  // namespace rr::scoring::tools
