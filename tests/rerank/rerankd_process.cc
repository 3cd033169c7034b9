#include "tests/rerank/rerankd_process.h"

#include <catch2/catch.hpp>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "scoring/features.h"
#include "scoring/model_file.h"
#include "tests/index_sync/sync_fixture.h"

namespace rr::testing {

namespace {

std::string save(const scoring::Model& model, const std::filesystem::path& dir) {
  const auto path = (dir / (model.version + ".rrm")).string();
  auto saved = scoring::saveModel(model, path);
  if (!saved) FAIL("save model: " << saved.error().message);
  return path;
}

}  // namespace

std::string saveRandomModel(const std::filesystem::path& dir, const std::string& version,
                            uint64_t seed) {
  return save(*randomModel(version, seed), dir);
}

std::string saveBrandModel(const std::filesystem::path& dir, const std::string& version) {
  scoring::Model model = *randomModel(version, 5);
  auto& mlp = model.params().mlp;
  mlp.w1.setZero();
  mlp.w2.setZero();
  mlp.b1.setZero();
  mlp.b2.setZero();
  mlp.w3.setZero();
  mlp.b3 = 0;
  mlp.w1(scoring::kBrandAffinity, 0) = 1;
  mlp.w1(scoring::kRankRecip, 1) = 1;
  mlp.w2(0, 0) = 1;
  mlp.w2(1, 1) = 1;
  mlp.w3(0) = 1;
  mlp.w3(1) = 0.1f;
  return save(model, dir);
}

RerankdProcess::RerankdProcess(std::filesystem::path dir, const std::string& config_yaml)
    : dir_(std::move(dir)), config_(dir_ / "rerankd.yaml") {
  std::filesystem::create_directories(dir_);
  std::ofstream out(config_);
  out << config_yaml;
  // Each process its own profile store, unless the test chose one.
  if (config_yaml.find("\nprofiles:") == std::string::npos &&
      !config_yaml.starts_with("profiles:")) {
    out << "\nprofiles:\n  dir: " << (dir_ / "profiles").string() << "\n";
  }
  if (config_yaml.find("\nactivity_log:") == std::string::npos &&
      !config_yaml.starts_with("activity_log:")) {
    out << "\nactivity_log:\n  dir: " << (dir_ / "activity").string() << "\n";
  }
  out.close();
  // stdout (the listening line, then access-log lines) goes to a file, so
  // a test that does not read it never blocks the server.
  const auto log = (dir_ / "stdout.log").string();
  std::filesystem::remove(log);  // never read an earlier process's port
  pid_ = ::fork();
  if (pid_ == 0) {
    if (!std::freopen(log.c_str(), "w", stdout)) std::_Exit(126);
    ::execl(RR_RERANKD_BIN, RR_RERANKD_BIN, "--config", config_.c_str(),
            static_cast<char*>(nullptr));
    std::_Exit(127);
  }
  std::string line;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < until) {
    std::ifstream in(log);
    std::getline(in, line);
    if (line.find("http://") != std::string::npos) break;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      FAIL("rerankd exited during startup (status " << status << ")");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const auto at = line.find("http://");
  if (at == std::string::npos) FAIL("rerankd did not start; it printed: " << line);
  url_ = line.substr(at);
  connectors::ClientOptions options;
  options.url = url_;
  options.retry.max_attempts = 1;
  options.request_timeout = std::chrono::seconds(30);
  auto client = connectors::EngineClient::create(options);
  REQUIRE(client);
  client_ = std::move(*client);
}

RerankdProcess::~RerankdProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
}

void RerankdProcess::signal(int sig) { ::kill(pid_, sig); }

int RerankdProcess::stop() {
  ::kill(pid_, SIGTERM);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::pair<int, std::string> checkConfig(const std::string& path) {
  int out[2];
  REQUIRE(::pipe(out) == 0);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out[1], STDOUT_FILENO);
    ::dup2(out[1], STDERR_FILENO);
    ::close(out[0]);
    ::close(out[1]);
    ::execl(RR_RERANKD_BIN, RR_RERANKD_BIN, "--check-config", path.c_str(),
            static_cast<char*>(nullptr));
    std::_Exit(127);
  }
  ::close(out[1]);
  std::string text;
  char buf[512];
  ssize_t n;
  while ((n = ::read(out[0], buf, sizeof buf)) > 0) text.append(buf, static_cast<std::size_t>(n));
  ::close(out[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, text};
}

}  // namespace rr::testing
