// The command-line tools as processes: --help and -h print a usage on stdout
// and exit 0; the usage names every flag of the table the tool's parser reads,
// with its default; the parser accepts every one of them; an unknown option
// or a flag without its value is an error that names it.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cctype>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "scoring/pipeline/eval_flags.h"
#include "scoring/pipeline/train_flags.h"
#include "scoring/tools/cli_flags.h"
#include "scoring/tools/convert_flags.h"
#include "scoring/tools/simulate_flags.h"
#include "tests/support/run_program.h"

namespace {

using rr::scoring::tools::CliFlag;
using rr::scoring::tools::CliSpec;

struct Tool {
  std::string name;
  const char* binary;
  const CliSpec& spec;
  std::vector<std::string> lead;  // arguments before the flags
};

const std::vector<Tool>& tools() {
  static const std::vector<Tool> all = {
      {"rerank-train", RR_RERANK_TRAIN_BIN, rr::scoring::pipeline::kTrainCli, {}},
      {"rerank-eval", RR_RERANK_EVAL_BIN, rr::scoring::pipeline::kEvalCli, {}},
      {"rerank-simulate", RR_RERANK_SIMULATE_BIN, rr::scoring::tools::kSimulateCli, {}},
      {"rerank-convert", RR_RERANK_CONVERT_BIN, rr::scoring::tools::kConvertCli, {"bestbuy"}},
  };
  return all;
}

using Run = rr::testing::ProgramRun;

Run run(const char* binary, const std::vector<std::string>& args) {
  return rr::testing::runProgram(binary, args);
}

std::vector<std::string> concat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// Runs of white space as one space: the help wraps its lines.
std::string squeezed(std::string_view text) {
  std::string out;
  bool space = false;
  for (char c : text) {
    if (c == ' ' || c == '\n') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

// `text` mentions `--name` as a whole flag, not as the start of a longer one.
bool namesFlag(const std::string& text, const std::string& name) {
  const std::string flag = "--" + name;
  for (auto at = text.find(flag); at != std::string::npos; at = text.find(flag, at + 1)) {
    const std::size_t end = at + flag.size();
    if (end == text.size() || !(std::isalnum(static_cast<unsigned char>(text[end])) ||
                                text[end] == '-')) {
      return true;
    }
  }
  return false;
}

std::vector<const CliFlag*> flagsOf(const CliSpec& spec) {
  std::vector<const CliFlag*> flags;
  for (const auto& group : spec.groups) {
    for (const auto& flag : group.flags) flags.push_back(&flag);
  }
  return flags;
}

}  // namespace

TEST_CASE("each tool prints its usage on stdout and exits 0 on --help and -h", "[unit][cli]") {
  for (const auto& tool : tools()) {
    for (const std::string help : {"--help", "-h"}) {
      for (const auto& args : {std::vector<std::string>{help}, concat(tool.lead, {help})}) {
        CAPTURE(tool.name, args);
        const Run r = run(tool.binary, args);
        CHECK(r.exit_code == 0);
        CHECK(r.out.starts_with("usage: " + tool.name + " "));
        CHECK(r.err.empty());
        std::istringstream lines(r.out);
        for (std::string line; std::getline(lines, line);) {
          CAPTURE(line);
          CHECK(line.size() <= 80);
        }
      }
    }
  }
}

TEST_CASE("the usage names every flag of the tool's table with its value and default",
          "[unit][cli]") {
  for (const auto& tool : tools()) {
    const Run r = run(tool.binary, {"--help"});
    REQUIRE(r.exit_code == 0);
    const std::string text = squeezed(r.out);
    for (const CliFlag* flag : flagsOf(tool.spec)) {
      CAPTURE(tool.name, flag->name);
      std::string line = "--" + std::string(flag->name);
      if (!flag->isSwitch()) line += " " + std::string(flag->value);
      line += " " + std::string(flag->help);
      if (!flag->fallback.empty()) line += " (default: " + std::string(flag->fallback) + ")";
      CHECK(text.find(squeezed(line)) != std::string::npos);
    }
    for (const auto& group : tool.spec.groups) {
      CHECK(r.out.find("\n" + std::string(group.title) + ":\n") != std::string::npos);
    }
  }
}

TEST_CASE("every flag the usage lists is accepted by the tool's parser", "[unit][cli]") {
  // The parser reads left to right: stopping at the trailing unknown flag
  // shows that it took every flag before it.
  for (const auto& tool : tools()) {
    std::vector<std::string> args = tool.lead;
    std::vector<std::string> given;
    for (const CliFlag* flag : flagsOf(tool.spec)) {
      const std::string name(flag->name);
      if (std::ranges::find(given, name) != given.end()) continue;  // in two groups
      given.push_back(name);
      args.push_back("--" + name);
      if (!flag->isSwitch()) args.push_back("x");
    }
    args.insert(args.end(), {"--not-a-flag", "1"});
    CAPTURE(tool.name, args);
    const Run r = run(tool.binary, args);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("unknown option --not-a-flag") != std::string::npos);
    CHECK(r.out.empty());
  }
}

TEST_CASE("an unknown option or a flag without its value exits 2 and names it", "[unit][cli]") {
  for (const auto& tool : tools()) {
    for (const auto& extra : {std::vector<std::string>{"--no-such-flag", "1"},
                              std::vector<std::string>{"--no-such-flag"}}) {
      CAPTURE(tool.name, extra);
      const Run r = run(tool.binary, concat(tool.lead, extra));
      CHECK(r.exit_code == 2);
      CHECK(r.err.find("unknown option --no-such-flag") != std::string::npos);
      CHECK(r.out.empty());
    }
    for (const CliFlag* flag : flagsOf(tool.spec)) {
      if (flag->isSwitch()) continue;
      const std::string name = "--" + std::string(flag->name);
      CAPTURE(tool.name, name);
      const Run r = run(tool.binary, concat(tool.lead, {name}));
      CHECK(r.exit_code == 2);
      CHECK(r.err.find(name + " needs a value") != std::string::npos);
    }
  }
}

TEST_CASE("rerankd prints its usage on stdout and exits 0 on --help and -h", "[unit][cli]") {
  for (const std::string help : {"--help", "-h"}) {
    CAPTURE(help);
    const Run r = run(RR_RERANKD_BIN, {help});
    CHECK(r.exit_code == 0);
    CHECK(r.out.starts_with("usage: rerankd --config FILE"));
    CHECK(namesFlag(r.out, "check-config"));
    CHECK(r.err.empty());
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);) {
      CAPTURE(line);
      CHECK(line.size() <= 80);
    }
  }
  // Bad arguments exit 2 with the usage; a config that cannot be read, 1.
  Run r = run(RR_RERANKD_BIN, {});
  CHECK(r.exit_code == 2);
  CHECK(r.err.starts_with("rerankd: expected one option and a file\nusage: "));
  r = run(RR_RERANKD_BIN, {"--serve", "rerankd.yaml"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.starts_with("rerankd: unknown option '--serve'\nusage: "));
  r = run(RR_RERANKD_BIN, {"--check-config", "/nonexistent/rerankd.yaml"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("/nonexistent/rerankd.yaml") != std::string::npos);
}

TEST_CASE("index-sync prints its usage on stdout and exits 0 on --help and -h", "[unit][cli]") {
  // index-sync parses by hand; these are the flags of its parser.
  const std::vector<std::string> flags = {"config",     "storefront",  "mode",
                                          "index",      "model",       "state-index",
                                          "batch-size", "concurrency", "interval-s",
                                          "force",      "quiet"};
  for (const std::string help : {"--help", "-h"}) {
    CAPTURE(help);
    const Run r = run(RR_INDEX_SYNC_BIN, {help});
    CHECK(r.exit_code == 0);
    CHECK(r.out.starts_with("usage: index-sync "));
    CHECK(r.err.empty());
    for (const auto& name : flags) {
      CAPTURE(name);
      CHECK(namesFlag(r.out, name));
    }
  }
  const Run r = run(RR_INDEX_SYNC_BIN, {"--no-such-flag"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("'--no-such-flag'") != std::string::npos);
}

TEST_CASE("an integer flag's value is read whole or not at all", "[unit][cli]") {
  using rr::scoring::tools::wholeInteger;
  CHECK(wholeInteger("400") == 400);
  CHECK(wholeInteger("-3") == -3);
  CHECK(wholeInteger("9223372036854775807") == INT64_MAX);
  for (const char* bad : {"", "4x", "x4", " 4", "4 ", "1e3", "2.5", "+4", "9223372036854775808"}) {
    CAPTURE(bad);
    CHECK_FALSE(wholeInteger(bad).has_value());
  }
}
