// rerankd: the reranking sidecar.
//
//   rerankd --config FILE          serve until SIGTERM/SIGINT (SIGHUP reloads)
//   rerankd --check-config FILE    load the config and every model, then exit
//   rerankd --help                 the usage, on stdout
//
// Prints "rerankd listening on http://HOST:PORT" on stdout once it accepts
// connections, then one JSON access-log line per request. Exit codes: 0 a
// clean stop or a good config; 1 a bad config or model (the message names
// the field); 2 bad arguments.
#include <malloc.h>
#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <iostream>
#include <mutex>
#include <string>

#include "config/config.h"
#include "rerank/handler.h"
#include "rerank/runtime.h"
#include "rerank/server.h"
#include "scoring/tools/cli_flags.h"

namespace {

using namespace rr;

std::expected<std::shared_ptr<const rerank::Runtime>, std::string> load(const std::string& path) {
  auto config = config::loadConfig(path);
  if (!config) return std::unexpected(config.error().describe());
  return rerank::buildRuntime(*config);
}

constexpr const char* kUsage =
    "usage: rerankd --config FILE | --check-config FILE | --help\n"
    "  --config FILE        serve until SIGTERM/SIGINT; SIGHUP or\n"
    "                       POST /_rerank/reload reloads FILE and its models\n"
    "  --check-config FILE  load FILE and every model it names, report, exit\n"
    "Exit codes: 0 a clean stop or a good config; 1 a bad config or model (the\n"
    "message names the field); 2 bad arguments.\n";

int usage(const std::string& message) {
  std::cerr << "rerankd: " << message << "\n" << kUsage;
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && scoring::tools::isHelpFlag(argv[1])) {
    std::cout << kUsage;
    return 0;
  }
  if (argc != 3) return usage("expected one option and a file");
  const std::string flag = argv[1], path = argv[2];
  if (flag == "--check-config") {
    auto runtime = load(path);
    if (!runtime) {
      std::cerr << "rerankd: " << runtime.error() << "\n";
      return 1;
    }
    std::cout << "rerankd: " << path << " is valid: " << (*runtime)->storefronts.size()
              << " storefront(s), models loaded\n";
    return 0;
  }
  if (flag != "--config") return usage("unknown option '" + flag + "'");

  // Signals are taken synchronously by the main thread; every other thread
  // inherits the blocked mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto runtime = load(path);
  if (!runtime) {
    std::cerr << "rerankd: " << runtime.error() << "\n";
    return 1;
  }
  std::mutex reload_mu;
  rerank::Handler* handler_ptr = nullptr;
  auto reload = [&]() -> std::string {
    std::lock_guard lock(reload_mu);
    auto fresh = load(path);
    if (!fresh) {
      std::cerr << "rerankd: reload refused, still serving the previous config: " << fresh.error()
                << "\n";
      return fresh.error();
    }
    handler_ptr->swap(*fresh);
    std::cerr << "rerankd: reloaded " << path << "\n";
    return "";
  };
  rerank::Handler handler(*runtime, reload);
  handler_ptr = &handler;
  // Profiles are opened once; a reload keeps the store (profiles.* changes
  // take effect on restart).
  if (auto opened = handler.service().openProfiles((*runtime)->config->profiles); !opened) {
    std::cerr << "rerankd: " << path << ": " << opened.error() << "\n";
    return 1;
  }
  handler.service().openActivityLog((*runtime)->config->activity_log);
  handler.service().restoreLiveStats(**runtime);
  const auto& listen = (*runtime)->config->listen;
  std::mutex log_mu;
  // Every search allocates and frees the same sizes again (the engine's
  // answer, the window, the page): keep freed memory in the process rather
  // than handing it back to the kernel and faulting zeroed pages in again
  // on the next search. Memory in use is what the peak needs either way.
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  auto server = rerank::Server::create(listen, handler, std::max(4, listen.threads * 4),
                                       [&](const std::string& line) {
                                         std::lock_guard lock(log_mu);
                                         std::fprintf(stdout, "%s\n", line.c_str());
                                         std::fflush(stdout);
                                       });
  if (!server) {
    std::cerr << "rerankd: " << server.error() << "\n";
    return 1;
  }
  (*server)->start();
  {
    std::lock_guard lock(log_mu);
    std::printf("rerankd listening on http://%s:%u\n", listen.address.c_str(),
                static_cast<unsigned>((*server)->port()));
    std::fflush(stdout);
  }
  while (true) {
    int sig = 0;
    sigwait(&signals, &sig);
    if (sig == SIGHUP) {
      reload();
      continue;
    }
    std::cerr << "rerankd: draining (signal " << sig << ")\n";
    (*server)->stop();
    return 0;
  }
}
