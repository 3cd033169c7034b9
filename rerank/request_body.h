// A request body the client compressed (`Content-Encoding: gzip` or
// `deflate`, as the official clients send with their compression option,
// and as the engine accepts): inflated once, as it arrives, so the rerank
// path reads JSON and the engine gets the plain body. Other encodings are
// left as they are, for the engine to judge.
#pragma once

#include <cstddef>
#include <string>

#include "rerank/http_types.h"

namespace rr::rerank {

struct BodyDecodeError {
  int status = 400;  // 400: not valid gzip/deflate; 413: over the limit inflated
  std::string reason;
};

// Inflates `request.body` in place when its Content-Encoding is gzip,
// x-gzip, deflate or x-deflate, and drops that header; at most `max_bytes`
// inflated (listen.max_body_bytes, so a small compressed body cannot grow
// past what rerankd would accept plain). False, with `error` set, when the
// body cannot be inflated or is too large; the request is then unchanged.
bool decodeRequestBody(Request& request, std::size_t max_bytes, BodyDecodeError& error);

}  // namespace rr::rerank
