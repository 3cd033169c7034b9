// `--name value` command-line flags for the data tools. Unknown flags, a
// flag without its value and a flag given twice are errors that name it.
#pragma once

#include <cstdint>
#include <expected>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace rr::scoring::tools {

class ToolArgs {
 public:
  // Parses argv[first..argc). `known`: the accepted flag names, no dashes.
  static std::expected<ToolArgs, std::string> parse(int argc, char** argv, int first,
                                                    const std::vector<std::string>& known);

  bool has(const std::string& name) const { return values_.contains(name); }
  std::optional<std::string> get(const std::string& name) const;
  // "--name is required" when absent.
  std::expected<std::string, std::string> require(const std::string& name) const;
  // "--name: 'x' is not a whole number >= min" when malformed.
  std::expected<int64_t, std::string> integer(const std::string& name, int64_t fallback,
                                              int64_t min) const;

 private:
  std::map<std::string, std::string> values_;
};

}  // namespace rr::scoring::tools
