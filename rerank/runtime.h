// Everything a request needs, built from one Config and swapped whole on
// reload: the config, each storefront's model, the upstream client. Shared
// read-only (std::shared_ptr<const Runtime>); a request keeps the snapshot it
// started with, so a reload never changes anything under it.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "connectors/engine_client.h"
#include "scoring/model.h"

namespace rr::rerank {

struct StorefrontRuntime {
  const config::StorefrontConfig* config = nullptr;  // points into Runtime::config
  std::shared_ptr<const scoring::Model> model;
};

struct Runtime {
  std::shared_ptr<const config::Config> config;
  std::vector<StorefrontRuntime> storefronts;  // same order as config->storefronts
  std::shared_ptr<connectors::EngineClient> upstream;
  std::vector<std::string> upstream_urls;  // the nodes `upstream` sends to

  // The storefront a request belongs to: by Host header first (port
  // stripped), then by the indices of the path (every index of a comma list
  // must belong to the same storefront). Null: none.
  const StorefrontRuntime* match(std::string_view host, std::string_view index_expr) const;
  // The storefront called `name`, or null.
  const StorefrontRuntime* named(std::string_view name) const;
};

// Loads every storefront's model and builds the upstream client. Errors
// name the storefront and the model file ("storefronts[demo].model: ...").
std::expected<std::shared_ptr<const Runtime>, std::string> buildRuntime(
    std::shared_ptr<const config::Config> config);

// `rt` with its libcurl client sending to `urls` (the configured nodes and
// those `upstream.discover_nodes` found); `rt` itself when it already does,
// or when no client can be made for them.
std::shared_ptr<const Runtime> sendingTo(std::shared_ptr<const Runtime> rt,
                                         const std::vector<std::string>& urls);

}  // namespace rr::rerank
