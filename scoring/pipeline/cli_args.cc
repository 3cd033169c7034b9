#include "scoring/pipeline/cli_args.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <vector>

namespace rr::scoring::pipeline {

std::expected<CliArgs, std::string> CliArgs::parse(int argc, char** argv,
                                                   const tools::CliSpec& spec) {
  const std::vector<std::string> known = tools::flagNames(spec, /*switches=*/false);
  const std::vector<std::string> switches = tools::flagNames(spec, /*switches=*/true);
  CliArgs out;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (tools::isHelpFlag(arg)) {
      CliArgs help;
      help.help_ = true;
      return help;
    }
    if (!arg.starts_with("--")) return std::unexpected("unexpected argument '" + arg + "'");
    std::string name = arg.substr(2), value;
    const auto eq = name.find('=');
    if (eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    // Known before valued: a misspelt last flag is unknown, not valueless.
    const bool is_switch = std::ranges::find(switches, name) != switches.end();
    if (!is_switch && std::ranges::find(known, name) == known.end()) {
      return std::unexpected("unknown option --" + name);
    }
    if (eq == std::string::npos) {
      if (is_switch) {
        value = "1";
      } else if (i + 1 < argc) {
        value = argv[++i];
      } else {
        return std::unexpected("--" + name + " needs a value");
      }
    }
    out.values_[name] = value;
  }
  return out;
}

std::optional<std::string> CliArgs::get(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::string CliArgs::getOr(const std::string& name, const std::string& fallback) const {
  return get(name).value_or(fallback);
}

std::expected<std::string, std::string> CliArgs::require(const std::string& name) const {
  auto v = get(name);
  if (!v || v->empty()) return std::unexpected("--" + name + " is required");
  return *v;
}

std::expected<int64_t, std::string> CliArgs::integer(const std::string& name,
                                                     int64_t fallback) const {
  auto v = get(name);
  if (!v) return fallback;
  const auto n = tools::wholeInteger(*v);
  if (!n) return std::unexpected("--" + name + ": expected an integer, got '" + *v + "'");
  return *n;
}

std::expected<double, std::string> CliArgs::number(const std::string& name,
                                                   double fallback) const {
  auto v = get(name);
  if (!v) return fallback;
  try {
    std::size_t used = 0;
    double d = std::stod(*v, &used);
    if (used == v->size()) return d;
  } catch (...) {
  }
  return std::unexpected("--" + name + ": expected a number, got '" + *v + "'");
}

std::expected<int64_t, std::string> parseDate(const std::string& text) {
  std::tm tm{};
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  int n = std::sscanf(text.c_str(), "%d-%d-%dT%d:%d:%d", &y, &mo, &d, &h, &mi, &s);
  if (n != 3 && n != 6) {
    return std::unexpected("'" + text + "' is not a date (YYYY-MM-DD[THH:MM:SS], UTC)");
  }
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  return static_cast<int64_t>(timegm(&tm)) * 1000;
}

std::string formatDate(int64_t ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

}  // namespace rr::scoring::pipeline
