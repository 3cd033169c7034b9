#include "connectors/aws_profile.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <simdjson.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>

namespace rr::connectors {
namespace {

using SysClock = std::chrono::system_clock;
constexpr std::size_t kMaxProcessOutput = 64 << 10;

}  // namespace

std::string_view awsTrim(std::string_view s) {
  const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && blank(s.back())) s.remove_suffix(1);
  return s;
}

std::optional<SysClock::time_point> parseAwsIsoUtc(std::string_view s) {
  std::tm tm{};
  int consumed = 0;
  const std::string text(s);
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon,
                  &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed) != 6) {
    return std::nullopt;
  }
  std::string_view rest = std::string_view(text).substr(static_cast<std::size_t>(consumed));
  if (!rest.empty() && rest.front() == '.') {
    rest.remove_prefix(1);
    while (!rest.empty() && rest.front() >= '0' && rest.front() <= '9') rest.remove_prefix(1);
  }
  if (rest != "Z" && rest != "+00:00") return std::nullopt;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  const std::time_t t = ::timegm(&tm);
  if (t == static_cast<std::time_t>(-1)) return std::nullopt;
  return SysClock::from_time_t(t);
}

std::expected<std::optional<AwsIniSection>, std::string> awsIniSection(std::string_view text,
                                                                       std::string_view name) {
  std::optional<AwsIniSection> found;
  bool inside = false;
  int line_no = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view raw = text.substr(start, end - start);
    const std::string_view line = awsTrim(raw);
    ++line_no;
    start = end + 1;
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    if (line.front() == '[') {
      if (line.back() != ']') {
        return std::unexpected("line " + std::to_string(line_no) +
                               ": a section header ends with ']'");
      }
      inside = awsTrim(line.substr(1, line.size() - 2)) == name;
      if (inside && !found) found.emplace();
      continue;
    }
    const std::size_t eq = line.find('=');
    if (eq == std::string_view::npos) {
      // An indented line continues a nested value (as under `s3 =`).
      if (raw.front() == ' ' || raw.front() == '\t') continue;
      return std::unexpected("line " + std::to_string(line_no) + ": expected 'key = value'");
    }
    if (inside) (*found)[std::string(awsTrim(line.substr(0, eq)))] = awsTrim(line.substr(eq + 1));
  }
  return found;
}

std::expected<std::pair<AwsCredentials, SysClock::time_point>, std::string>
parseCredentialProcessJson(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(json.data(), json.size()).get(doc) || !doc.is_object()) {
    return std::unexpected("its output is not a JSON object");
  }
  int64_t version = 0;
  if (doc["Version"].get(version) || version != 1) {
    return std::unexpected("its output has no \"Version\": 1");
  }
  AwsCredentials c;
  const std::pair<const char*, std::string*> required[] = {
      {"AccessKeyId", &c.access_key_id}, {"SecretAccessKey", &c.secret_access_key}};
  for (const auto& [name, out] : required) {
    std::string_view v;
    if (doc[name].get(v) || v.empty()) return std::unexpected(std::string("its output has no ") + name);
    *out = std::string(v);
  }
  std::string_view token;
  if (!doc["SessionToken"].get(token)) c.session_token = std::string(token);
  std::string_view expiration;
  if (doc["Expiration"].get(expiration)) {
    return std::pair<AwsCredentials, SysClock::time_point>(std::move(c), SysClock::time_point::max());
  }
  const auto expires = parseAwsIsoUtc(expiration);
  if (!expires) {
    return std::unexpected("its Expiration '" + std::string(expiration) +
                           "' is not an ISO 8601 UTC time");
  }
  return std::pair<AwsCredentials, SysClock::time_point>(std::move(c), *expires);
}

std::expected<std::string, std::string> runCredentialProcess(const std::string& command,
                                                             std::chrono::milliseconds timeout) {
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return std::unexpected("cannot make a pipe");
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(out[0]);
    ::close(out[1]);
    return std::unexpected("cannot start it");
  }
  if (pid == 0) {
    ::dup2(out[1], STDOUT_FILENO);
    // Only stdin, stdout (the pipe) and stderr: not every socket of a
    // multi-threaded rerankd is close-on-exec, and the helper would hold
    // them open while it runs.
    if (::close_range(3, ~0U, 0) != 0) {
      for (int fd = 3; fd < 65536; ++fd) ::close(fd);
    }
    ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(out[1]);
  std::string output;
  std::string why;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char buffer[4096];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd p{out[0], POLLIN, 0};
    if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) == 0) {
      why = "ran longer than " + std::to_string(timeout.count()) + " ms";
      break;
    }
    const ssize_t n = ::read(out[0], buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    output.append(buffer, static_cast<std::size_t>(n));
    if (output.size() > kMaxProcessOutput) {
      why = "printed more than 64 KB";
      break;
    }
  }
  ::close(out[0]);
  if (!why.empty()) ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!why.empty()) return std::unexpected(why);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return std::unexpected(WIFEXITED(status) ? "exited with status " +
                                                   std::to_string(WEXITSTATUS(status))
                                             : std::string("was killed by a signal"));
  }
  return output;
}

}  // namespace rr::connectors
