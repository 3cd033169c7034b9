// AWS Signature Version 4 for requests to a managed OpenSearch domain
// (service "es") or an OpenSearch Serverless collection ("aoss"): the
// headers that sign one request. The credentials: connectors/aws_credentials.h.
// Both engine clients (libcurl and rerankd's asynchronous one) sign with it,
// so a request is signed the same way whichever sends it.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/http_transport.h"

namespace rr::connectors {

struct AwsCredentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // temporary credentials only
};

// A request as it goes on the wire: `path` and `query` as sent (already
// percent-encoded where the client encoded them), `host` the Host header
// exactly as sent (with ":port" when the URL has one).
struct SigV4Request {
  std::string_view method;
  std::string_view path;
  std::string_view query;
  std::string_view host;
  std::string_view body;
};

// The headers that sign `request`, to be sent with it unchanged:
// X-Amz-Date, X-Amz-Content-Sha256, X-Amz-Security-Token (with a session
// token) and Authorization. What is signed: the method, path, query, Host,
// those X-Amz headers and the body's SHA-256; other headers may change
// between signing and sending (a proxy's hop headers, say).
std::vector<Header> sigV4Headers(const SigV4Request& request, const AwsCredentials& credentials,
                                 std::string_view region, std::string_view service,
                                 std::chrono::system_clock::time_point now);

// The canonical forms SigV4 signs: the path normalized (empty and "."
// segments dropped, ".." going up) and each segment percent-encoded again,
// as AWS does for every service but S3; the query's parameters decoded
// ('+' is a space, as the engine reads it), re-encoded (RFC 3986) and
// sorted. A signing client sends sigV4CanonicalQuery(query) as its query:
// the engine reads the same parameters, and AWS, whose SDKs do not decode
// a query before signing it, cannot read a '+' or a raw ',' differently
// from the signer.
std::string sigV4CanonicalPath(std::string_view path);
std::string sigV4CanonicalQuery(std::string_view query);

}  // namespace rr::connectors
