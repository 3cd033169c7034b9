// The engine client's options from the config's `upstream` section: one
// place for rerankd and index-sync, so both reach the engine the same way
// (address, credentials, TLS, timeouts, pool). Retries are the caller's:
// a shopper waits, a batch job can wait longer.
#pragma once

#include "config/config.h"
#include "connectors/client_options.h"

namespace rr::config {

connectors::ClientOptions clientOptions(const UpstreamConfig& upstream);

}  // namespace rr::config
