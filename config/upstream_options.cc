#include "config/upstream_options.h"

#include <algorithm>

namespace rr::config {

connectors::ClientOptions clientOptions(const UpstreamConfig& upstream) {
  connectors::ClientOptions options;
  options.url = upstream.url;
  if (upstream.user) {
    options.auth = connectors::BasicAuth{*upstream.user, upstream.password.value_or("")};
  }
  options.api_key = upstream.api_key;
  options.tls.ca_file = upstream.ca_file;
  options.tls.verify = upstream.tls_verify;
  options.tls.cert_file = upstream.client_cert;
  options.tls.key_file = upstream.client_key;
  options.connect_timeout = upstream.connect_timeout;
  options.request_timeout = upstream.request_timeout;
  options.pool_size = static_cast<std::size_t>(std::max(upstream.pool_size, 1));
  return options;
}

}  // namespace rr::config
