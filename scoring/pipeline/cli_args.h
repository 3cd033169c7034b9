// A small `--name value` command-line parser for the training tools. Unknown
// flags and missing values are errors that name the flag. `--help` or `-h`
// where a flag may stand asks for the usage text.
#pragma once

#include <expected>
#include <map>
#include <optional>
#include <string>

#include "scoring/tools/cli_flags.h"

namespace rr::scoring::pipeline {

class CliArgs {
 public:
  // Accepts the flags of `spec`: `--name value` or `--name=value`, a
  // switch alone. Stops at `--help` or `-h`: the result then has
  // helpRequested() and nothing else.
  static std::expected<CliArgs, std::string> parse(int argc, char** argv,
                                                   const tools::CliSpec& spec);

  bool helpRequested() const { return help_; }
  std::optional<std::string> get(const std::string& name) const;
  std::string getOr(const std::string& name, const std::string& fallback) const;
  std::expected<std::string, std::string> require(const std::string& name) const;
  std::expected<int64_t, std::string> integer(const std::string& name, int64_t fallback) const;
  std::expected<double, std::string> number(const std::string& name, double fallback) const;
  bool has(const std::string& name) const { return values_.count(name) > 0; }

 private:
  std::map<std::string, std::string> values_;
  bool help_ = false;
};

// "2011-10-01" or "2011-10-01T12:00:00" (UTC) -> epoch milliseconds.
std::expected<int64_t, std::string> parseDate(const std::string& text);
std::string formatDate(int64_t ms);

}  // namespace rr::scoring::pipeline
