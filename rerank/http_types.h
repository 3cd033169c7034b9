// The server's view of one HTTP exchange, independent of Beast, so request
// handling is a pure function that tests call without sockets.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rr::rerank {

struct HttpHeader {
  std::string name;
  std::string value;
};

struct Request {
  std::string method;  // upper case
  std::string target;  // path + "?" + query, as received
  std::vector<HttpHeader> headers;
  std::string body;
  std::string remote;  // peer address, for the access log

  std::string_view path() const;
  std::string_view query() const;  // without '?'
  // First header with this name (case-insensitive), or empty.
  std::string_view header(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::vector<HttpHeader> headers;  // Content-Length is added by the server
  std::string body;

  void set(std::string name, std::string value);
};

}  // namespace rr::rerank
