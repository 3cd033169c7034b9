// A small `--name value` command-line parser for the training tools. Unknown
// flags and missing values are errors that name the flag.
#pragma once

#include <expected>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace rr::scoring::pipeline {

class CliArgs {
 public:
  // `known`: every accepted flag without dashes; `switches` take no value.
  static std::expected<CliArgs, std::string> parse(int argc, char** argv,
                                                   const std::vector<std::string>& known,
                                                   const std::vector<std::string>& switches = {});

  std::optional<std::string> get(const std::string& name) const;
  std::string getOr(const std::string& name, const std::string& fallback) const;
  std::expected<std::string, std::string> require(const std::string& name) const;
  std::expected<int64_t, std::string> integer(const std::string& name, int64_t fallback) const;
  std::expected<double, std::string> number(const std::string& name, double fallback) const;
  bool has(const std::string& name) const { return values_.count(name) > 0; }

 private:
  std::map<std::string, std::string> values_;
};

// "2011-10-01" or "2011-10-01T12:00:00" (UTC) -> epoch milliseconds.
std::expected<int64_t, std::string> parseDate(const std::string& text);
std::string formatDate(int64_t ms);

}  // namespace rr::scoring::pipeline
