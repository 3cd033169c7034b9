#include "rerank/request_body.h"

#include <strings.h>
#include <zlib.h>

#include <algorithm>
#include <string_view>

namespace rr::rerank {
namespace {

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool named(std::string_view value, std::string_view name) {
  return value.size() == name.size() && ::strncasecmp(value.data(), name.data(), name.size()) == 0;
}

enum class Inflated { kOk, kCorrupt, kTooLarge };

// `window_bits`: 15 + 32 reads a zlib or a gzip stream (by its header),
// -15 a raw deflate stream.
Inflated inflateInto(std::string_view in, int window_bits, std::size_t max_bytes,
                     std::string& out, std::string& why) {
  z_stream zs{};
  if (inflateInit2(&zs, window_bits) != Z_OK) {
    why = "cannot start inflating";
    return Inflated::kCorrupt;
  }
  out.clear();
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  char chunk[64 * 1024];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    zs.next_out = reinterpret_cast<Bytef*>(chunk);
    zs.avail_out = sizeof chunk;
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      why = zs.msg ? zs.msg : rc == Z_BUF_ERROR ? "the stream is cut short" : "invalid data";
      inflateEnd(&zs);
      return Inflated::kCorrupt;
    }
    const std::size_t produced = sizeof chunk - zs.avail_out;
    if (out.size() + produced > max_bytes) {
      inflateEnd(&zs);
      return Inflated::kTooLarge;
    }
    out.append(chunk, produced);
    if (rc != Z_STREAM_END && zs.avail_in == 0 && produced == 0) {
      why = "the stream is cut short";
      inflateEnd(&zs);
      return Inflated::kCorrupt;
    }
  }
  inflateEnd(&zs);
  return Inflated::kOk;
}

}  // namespace

bool decodeRequestBody(Request& request, std::size_t max_bytes, BodyDecodeError& error) {
  auto header = std::find_if(request.headers.begin(), request.headers.end(), [](const auto& h) {
    return named(h.name, "content-encoding");
  });
  if (header == request.headers.end()) return true;
  const std::string_view encoding = trimmed(header->value);
  const bool gzip = named(encoding, "gzip") || named(encoding, "x-gzip");
  const bool deflate = named(encoding, "deflate") || named(encoding, "x-deflate");
  if (!gzip && !deflate) return true;  // identity, or one for the engine to judge
  if (request.body.size() > max_bytes) {
    error = {413, "request body over listen.max_body_bytes"};
    return false;
  }
  std::string plain, why;
  Inflated r = inflateInto(request.body, 15 + 32, max_bytes, plain, why);
  // "deflate" is meant to be a zlib stream, but some clients send raw deflate.
  if (r == Inflated::kCorrupt && deflate) r = inflateInto(request.body, -15, max_bytes, plain, why);
  if (r == Inflated::kTooLarge) {
    error = {413, "request body over listen.max_body_bytes once inflated (Content-Encoding: " +
                      std::string(encoding) + ")"};
    return false;
  }
  if (r == Inflated::kCorrupt) {
    error = {400, "the request body is not valid " + std::string(gzip ? "gzip" : "deflate") +
                      " (Content-Encoding: " + std::string(encoding) + "): " + why};
    return false;
  }
  request.body = std::move(plain);
  request.headers.erase(header);
  return true;
}

}  // namespace rr::rerank
