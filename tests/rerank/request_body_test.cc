// Compressed request bodies (rerank/request_body.h): what the official
// clients send with their compression option is inflated in place, with the
// header dropped; what is not gzip or deflate is left alone; a corrupt or
// oversized body is refused with the status the client should see.
#include <catch2/catch.hpp>
#include <zlib.h>

#include <string>

#include "rerank/request_body.h"

using rr::rerank::BodyDecodeError;
using rr::rerank::decodeRequestBody;
using rr::rerank::Request;

namespace {

// `text` compressed with zlib's window bits: 15 + 16 gzip, 15 zlib, -15 raw.
std::string compressed(const std::string& text, int window_bits) {
  z_stream zs{};
  REQUIRE(deflateInit2(&zs, Z_BEST_SPEED, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY) == Z_OK);
  std::string out(deflateBound(&zs, text.size()) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  zs.avail_in = static_cast<uInt>(text.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  REQUIRE(deflate(&zs, Z_FINISH) == Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

Request withBody(std::string body, std::string encoding) {
  Request r;
  r.method = "POST";
  r.target = "/products/_search";
  r.headers = {{"Content-Type", "application/json"}, {"Content-Encoding", std::move(encoding)}};
  r.body = std::move(body);
  return r;
}

const std::string kSearch = R"({"query":{"match":{"title":"halo"}},"size":10})";

}  // namespace

TEST_CASE("gzip and deflate bodies are inflated and the header dropped", "[unit][rerank]") {
  struct Row {
    const char* encoding;
    int window_bits;
  };
  for (const Row& row : {Row{"gzip", 15 + 16}, Row{"x-gzip", 15 + 16}, Row{" GZip ", 15 + 16},
                         Row{"deflate", 15}, Row{"deflate", -15}, Row{"x-deflate", 15}}) {
    INFO(row.encoding << " " << row.window_bits);
    Request r = withBody(compressed(kSearch, row.window_bits), row.encoding);
    BodyDecodeError error;
    REQUIRE(decodeRequestBody(r, 1 << 20, error));
    CHECK(r.body == kSearch);
    CHECK(r.header("Content-Encoding").empty());
    CHECK(r.header("Content-Type") == "application/json");
  }
}

TEST_CASE("bodies that are not gzip or deflate are left as they are", "[unit][rerank]") {
  for (const char* encoding : {"identity", "br", "zstd"}) {
    INFO(encoding);
    Request r = withBody("opaque bytes", encoding);
    BodyDecodeError error;
    REQUIRE(decodeRequestBody(r, 1 << 20, error));
    CHECK(r.body == "opaque bytes");
    CHECK(r.header("Content-Encoding") == encoding);
  }
  Request plain = withBody(kSearch, "");
  plain.headers.pop_back();
  BodyDecodeError error;
  REQUIRE(decodeRequestBody(plain, 1 << 20, error));
  CHECK(plain.body == kSearch);
}

TEST_CASE("a corrupt or cut compressed body is a 400 naming the encoding", "[unit][rerank]") {
  const std::string whole = compressed(kSearch, 15 + 16);
  for (const std::string& body : {std::string("not gzip at all"), whole.substr(0, whole.size() / 2)}) {
    Request r = withBody(body, "gzip");
    BodyDecodeError error;
    CHECK_FALSE(decodeRequestBody(r, 1 << 20, error));
    CHECK(error.status == 400);
    CHECK_THAT(error.reason, Catch::StartsWith("the request body is not valid gzip "
                                               "(Content-Encoding: gzip): "));
    CHECK(r.body == body);  // unchanged
    CHECK(r.header("Content-Encoding") == "gzip");
  }
}

TEST_CASE("a body that inflates past the limit is a 413 however small it came",
          "[unit][rerank]") {
  const std::string big(4 << 20, ' ');
  Request r = withBody(compressed(big, 15 + 16), "gzip");
  REQUIRE(r.body.size() < 64 * 1024);
  BodyDecodeError error;
  CHECK_FALSE(decodeRequestBody(r, 1 << 20, error));
  CHECK(error.status == 413);
  CHECK_THAT(error.reason, Catch::Contains("over listen.max_body_bytes once inflated"));
  // At the limit exactly, it is accepted.
  Request exact = withBody(compressed(std::string(1 << 20, ' '), 15 + 16), "gzip");
  CHECK(decodeRequestBody(exact, 1 << 20, error));
  CHECK(exact.body.size() == std::size_t{1} << 20);
}
