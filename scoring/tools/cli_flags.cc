#include "scoring/tools/cli_flags.h"

#include <algorithm>
#include <charconv>

namespace rr::scoring::tools {

namespace {

constexpr std::size_t kLineWidth = 80;
constexpr std::size_t kMaxColumn = 32;  // longer "--name VALUE" get a line of their own

std::string flagColumn(const CliFlag& flag) {
  std::string out = "  --" + std::string(flag.name);
  if (!flag.isSwitch()) out += " " + std::string(flag.value);
  return out;
}

// `text` broken into lines of at most kLineWidth at spaces, the first
// continuing `out` (whose last line is `column` wide), the others indented
// to `indent`.
void appendWrapped(std::string& out, std::size_t column, std::size_t indent,
                   std::string_view text) {
  std::size_t at = column;
  bool first_word = true;
  while (!text.empty()) {
    const std::size_t space = text.find(' ');
    const std::string_view word = text.substr(0, space);
    text = space == std::string_view::npos ? std::string_view() : text.substr(space + 1);
    if (word.empty()) continue;
    if (!first_word && at + 1 + word.size() > kLineWidth) {
      out += "\n" + std::string(indent, ' ');
      at = indent;
    } else if (!first_word) {
      out += ' ';
      ++at;
    }
    out += word;
    at += word.size();
    first_word = false;
  }
  out += '\n';
}

}  // namespace

bool isHelpFlag(std::string_view arg) { return arg == "--help" || arg == "-h"; }

std::optional<int64_t> wholeInteger(std::string_view text) {
  int64_t n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return n;
}

std::vector<std::string> flagNames(const CliSpec& spec, bool switches) {
  std::vector<std::string> names;
  for (const auto& group : spec.groups) {
    for (const auto& flag : group.flags) {
      if (flag.isSwitch() != switches) continue;
      if (std::ranges::find(names, flag.name) == names.end()) names.emplace_back(flag.name);
    }
  }
  return names;
}

std::string usageText(const CliSpec& spec) {
  constexpr std::string_view kHelpColumn = "  -h, --help";
  std::size_t width = kHelpColumn.size();
  for (const auto& group : spec.groups) {
    for (const auto& flag : group.flags) {
      const std::size_t w = flagColumn(flag).size();
      if (w <= kMaxColumn) width = std::max(width, w);
    }
  }
  const std::size_t indent = width + 2;
  auto appendLine = [&](std::string& out, const std::string& column, std::string_view help) {
    if (column.size() > width) {
      out += column + "\n" + std::string(indent, ' ');
    } else {
      out += column + std::string(indent - column.size(), ' ');
    }
    appendWrapped(out, indent, indent, help);
  };
  std::string out(spec.synopsis);
  for (std::size_t g = 0; g < spec.groups.size(); ++g) {
    const auto& group = spec.groups[g];
    out += "\n" + std::string(group.title) + ":\n";
    for (const auto& flag : group.flags) {
      std::string help(flag.help);
      if (!flag.fallback.empty()) help += " (default: " + std::string(flag.fallback) + ")";
      appendLine(out, flagColumn(flag), help);
    }
    if (g == 0) appendLine(out, std::string(kHelpColumn), "print this text and exit");
  }
  return out;
}

}  // namespace rr::scoring::tools
