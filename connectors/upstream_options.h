// The engine client's options from the config's `upstream` section: one
// place for rerankd and index-sync, so both reach the engine the same way
// (address, credentials, TLS, timeouts, pool). Retries are the caller's:
// a shopper waits, a batch job can wait longer.
#pragma once

#include "config/config.h"
#include "connectors/client_options.h"

namespace rr::connectors {

ClientOptions clientOptions(const config::UpstreamConfig& upstream);

// "" when `upstream` has no client certificate or OpenSSL can use it: the
// certificate loads and client_key is its key. Otherwise the problem,
// naming the field ("upstream.client_key: does not match ..."). The config
// reader only checks that the files hold PEM blocks of the right kind; a
// key from another pair would fail every https call, so rerankd (also
// --check-config and a reload) and index-sync refuse it up front.
std::string checkClientCertificate(const config::UpstreamConfig& upstream);

// "" without `upstream.aws_sigv4`, or when AWS credentials can be found
// now (connectors::AwsCredentialSource); otherwise why not, naming the
// field: every signed call would fail, so rerankd and index-sync refuse to
// start (and a reload is refused) rather than serve 502s.
std::string checkAwsCredentials(const config::UpstreamConfig& upstream);

}  // namespace rr::connectors
