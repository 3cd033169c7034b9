#include "scoring/tools/tool_args.h"

#include <algorithm>
#include <vector>

namespace rr::scoring::tools {

std::expected<ToolArgs, std::string> ToolArgs::parse(int argc, char** argv, int first,
                                                     const CliSpec& spec) {
  const std::vector<std::string> known = flagNames(spec, /*switches=*/false);
  ToolArgs args;
  for (int i = first; i < argc; ++i) {
    const std::string arg = argv[i];
    if (isHelpFlag(arg)) {
      ToolArgs help;
      help.help_ = true;
      return help;
    }
    if (!arg.starts_with("--")) return std::unexpected("unexpected argument '" + arg + "'");
    const std::string name = arg.substr(2);
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      return std::unexpected("unknown option " + arg);
    }
    if (i + 1 >= argc) return std::unexpected(arg + " needs a value");
    if (!args.values_.emplace(name, argv[++i]).second) {
      return std::unexpected(arg + " is given twice");
    }
  }
  return args;
}

std::optional<std::string> ToolArgs::get(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::expected<std::string, std::string> ToolArgs::require(const std::string& name) const {
  auto value = get(name);
  if (!value) return std::unexpected("--" + name + " is required");
  return *value;
}

std::expected<int64_t, std::string> ToolArgs::integer(const std::string& name, int64_t fallback,
                                                      int64_t min) const {
  auto value = get(name);
  if (!value) return fallback;
  const auto number = wholeInteger(*value);
  if (!number || *number < min) {
    return std::unexpected("--" + name + ": '" + *value + "' is not a whole number >= " +
                           std::to_string(min));
  }
  return *number;
}

}  // namespace rr::scoring::tools
