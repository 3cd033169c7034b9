#include "rerank/runtime.h"

#include "connectors/upstream_options.h"
#include "scoring/model_file.h"

namespace rr::rerank {

const StorefrontRuntime* Runtime::match(std::string_view host,
                                        std::string_view index_expr) const {
  if (const auto colon = host.rfind(':'); colon != std::string_view::npos &&
                                          host.find(']') == std::string_view::npos) {
    host = host.substr(0, colon);
  }
  if (!host.empty()) {
    for (const auto& sf : storefronts) {
      if (!sf.config->host.empty() && sf.config->host.size() == host.size() &&
          std::equal(host.begin(), host.end(), sf.config->host.begin(),
                     [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
        return &sf;
      }
    }
  }
  if (index_expr.empty()) return nullptr;
  const StorefrontRuntime* found = nullptr;
  std::size_t start = 0;
  while (start <= index_expr.size()) {
    const auto comma = index_expr.find(',', start);
    const auto name = index_expr.substr(start, comma == std::string_view::npos
                                                    ? std::string_view::npos
                                                    : comma - start);
    const StorefrontRuntime* owner = nullptr;
    for (const auto& sf : storefronts) {
      for (const auto& pattern : sf.config->indices) {
        if (config::matchesIndexPattern(pattern, name)) owner = &sf;
      }
      if (owner) break;
    }
    if (!owner || (found && found != owner)) return nullptr;
    found = owner;
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return found;
}

const StorefrontRuntime* Runtime::named(std::string_view name) const {
  for (const auto& sf : storefronts) {
    if (sf.config->name == name) return &sf;
  }
  return nullptr;
}

namespace {

connectors::Result<std::unique_ptr<connectors::EngineClient>> engineClient(
    const config::UpstreamConfig& upstream, const std::vector<std::string>& urls) {
  connectors::ClientOptions options = connectors::clientOptions(upstream);
  options.urls = urls;
  options.url = urls.front();
  // A shopper is waiting: one retry at most, never past the deadline.
  options.retry.max_attempts = 2;
  return connectors::EngineClient::create(options);
}

}  // namespace

std::expected<std::shared_ptr<const Runtime>, std::string> buildRuntime(
    std::shared_ptr<const config::Config> config) {
  auto runtime = std::make_shared<Runtime>();
  runtime->config = config;
  for (const auto& sf : config->storefronts) {
    auto model = scoring::loadModel(sf.model);
    if (!model) {
      return std::unexpected("storefronts[" + sf.name + "].model: " + model.error().message);
    }
    runtime->storefronts.push_back({&sf, *model});
  }
  if (std::string why = connectors::checkClientCertificate(config->upstream); !why.empty()) {
    return std::unexpected(why);
  }
  if (std::string why = connectors::checkAwsCredentials(config->upstream); !why.empty()) {
    return std::unexpected(why);
  }
  auto client = engineClient(config->upstream, config->upstream.nodes());
  if (!client) return std::unexpected("upstream.url: " + client.error().message);
  runtime->upstream = std::move(*client);
  runtime->upstream_urls = config->upstream.nodes();
  return runtime;
}

std::shared_ptr<const Runtime> sendingTo(std::shared_ptr<const Runtime> rt,
                                         const std::vector<std::string>& urls) {
  if (urls.empty() || urls == rt->upstream_urls) return rt;
  auto client = engineClient(rt->config->upstream, urls);
  if (!client) return rt;
  auto copy = std::make_shared<Runtime>(*rt);
  copy->upstream = std::move(*client);
  copy->upstream_urls = urls;
  return copy;
}

}  // namespace rr::rerank
