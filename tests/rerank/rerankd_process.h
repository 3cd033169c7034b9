// Runs the rerankd binary as a child process for a test: writes its config,
// starts it on port 0, reads the port from its first line, and stops it
// (SIGTERM, then SIGKILL) when the test ends. Test-only.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <string>

#include "connectors/engine_client.h"
#include "scoring/model.h"

namespace rr::testing {

// A small random model saved as a file (d = 16), for configs to point at.
std::string saveRandomModel(const std::filesystem::path& dir, const std::string& version,
                            uint64_t seed);

// A model whose ranker scores brand_affinity + 0.1 x rank_recip: with no
// history it keeps the engine's order, with history it puts the shopper's
// brands first. Makes personalization assertable exactly.
std::string saveBrandModel(const std::filesystem::path& dir, const std::string& version);

class RerankdProcess {
 public:
  // `config_yaml` is written to DIR/rerankd.yaml; relative paths in it
  // resolve against DIR. Without a `profiles:` section the profile store is
  // DIR/profiles; without `activity_log:` the activity log is DIR/activity.
  // Its stdout is DIR/stdout.log.
  RerankdProcess(std::filesystem::path dir, const std::string& config_yaml);
  ~RerankdProcess();

  const std::string& url() const { return url_; }
  connectors::EngineClient& client() { return *client_; }
  pid_t pid() const { return pid_; }
  const std::filesystem::path& configPath() const { return config_; }
  // Sends a signal; stop() waits for the exit code.
  void signal(int sig);
  int stop();

 private:
  std::filesystem::path dir_, config_;
  pid_t pid_ = -1;
  std::string url_;
  std::unique_ptr<connectors::EngineClient> client_;
};

// Runs `rerankd --check-config FILE`: exit code and stderr+stdout text.
std::pair<int, std::string> checkConfig(const std::string& path);

}  // namespace rr::testing
