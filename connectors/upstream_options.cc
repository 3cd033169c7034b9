#include "connectors/upstream_options.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <memory>
#include <string>

#include "connectors/aws_credentials.h"

namespace rr::connectors {

ClientOptions clientOptions(const config::UpstreamConfig& upstream) {
  ClientOptions options;
  options.url = upstream.url;
  options.urls = upstream.nodes();
  if (upstream.user) {
    options.auth = BasicAuth{*upstream.user, upstream.password.value_or("")};
  }
  options.api_key = upstream.api_key;
  if (upstream.aws_sigv4) {
    options.sigv4 = SigV4Options{upstream.aws_sigv4->region, upstream.aws_sigv4->service,
                                 AwsCredentialSource::shared()};
  }
  options.tls.ca_file = upstream.ca_file;
  options.tls.verify = upstream.tls_verify;
  options.tls.cert_file = upstream.client_cert;
  options.tls.key_file = upstream.client_key;
  options.connect_timeout = upstream.connect_timeout;
  options.request_timeout = upstream.request_timeout;
  options.pool_size = static_cast<std::size_t>(std::max(upstream.pool_size, 1));
  return options;
}

namespace {

// OpenSSL's reason for the last failure, and its error queue emptied.
std::string lastSslError() {
  const unsigned long code = ERR_peek_last_error();
  ERR_clear_error();
  if (code == 0) return "unknown error";
  const char* reason = ERR_reason_error_string(code);
  return reason ? reason : "error " + std::to_string(code);
}

}  // namespace

std::string checkClientCertificate(const config::UpstreamConfig& upstream) {
  if (upstream.client_cert.empty()) return "";
  const std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_client_method()),
                                                              &SSL_CTX_free);
  if (!ctx) return "upstream.client_cert: cannot set up TLS: " + lastSslError();
  if (SSL_CTX_use_certificate_chain_file(ctx.get(), upstream.client_cert.c_str()) != 1) {
    return "upstream.client_cert: cannot load " + upstream.client_cert + ": " + lastSslError();
  }
  // Read first, then set: OpenSSL checks the key against the certificate
  // as it sets it, and a failure there is the mismatch.
  const std::unique_ptr<BIO, decltype(&BIO_free)> file(
      BIO_new_file(upstream.client_key.c_str(), "r"), &BIO_free);
  const std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      file ? PEM_read_bio_PrivateKey(file.get(), nullptr, nullptr, nullptr) : nullptr,
      &EVP_PKEY_free);
  if (!key) {
    return "upstream.client_key: cannot load " + upstream.client_key + ": " + lastSslError();
  }
  if (SSL_CTX_use_PrivateKey(ctx.get(), key.get()) != 1 ||
      SSL_CTX_check_private_key(ctx.get()) != 1) {
    ERR_clear_error();
    return "upstream.client_key: " + upstream.client_key +
           " is not the key of the certificate in " + upstream.client_cert;
  }
  return "";
}

std::string checkAwsCredentials(const config::UpstreamConfig& upstream) {
  if (!upstream.aws_sigv4) return "";
  auto credentials = AwsCredentialSource::shared()->current();
  return credentials ? "" : "upstream.aws_sigv4: " + credentials.error();
}

}  // namespace rr::connectors
