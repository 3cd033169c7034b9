// The flags of a command-line tool as one table, read both by its parser
// (which names it accepts) and by its --help (what it prints), so that the
// two cannot drift apart. The tables are constexpr data in a header per tool
// (e.g. scoring/pipeline/train_flags.h), which the tests read too.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace rr::scoring::tools {

struct CliFlag {
  std::string_view name;      // without the dashes: "train-end"
  std::string_view value;     // what follows it in the usage: "DATE"; empty for a switch
  std::string_view fallback;  // the default as the help shows it; empty: none
  std::string_view help;      // a few words

  constexpr bool isSwitch() const { return value.empty(); }
};

// The flags of one mode of a tool, under a title ("Live evaluation (--replay)").
struct CliFlagGroup {
  std::string_view title;
  std::span<const CliFlag> flags;
};

// Everything --help prints: `synopsis` (the usage lines and a few words on
// what the tool does, each line ending in '\n'), then each group's flags.
struct CliSpec {
  std::string_view synopsis;
  std::span<const CliFlagGroup> groups;
};

// "--help" or "-h".
bool isHelpFlag(std::string_view arg);

// The whole of `text` as a decimal integer ("4x", "", "1e3" and a number
// past int64 are not); what every tool's integer flags go through.
std::optional<int64_t> wholeInteger(std::string_view text);

// The names (without dashes) of the flags of `spec` that take a value, or of
// its switches: each once, in table order.
std::vector<std::string> flagNames(const CliSpec& spec, bool switches);

// The --help text: the synopsis, then per group its title and one line per
// flag, "  --name VALUE   help (default: X)", wrapped at 80 columns.
std::string usageText(const CliSpec& spec);

}  // namespace rr::scoring::tools
