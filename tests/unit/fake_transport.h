// A scripted Transport for driving EngineClient without sockets: each send()
// is answered with the next canned reply, and every request is recorded.
#pragma once

#include <deque>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "connectors/http_transport.h"

namespace rr::unit {

class FakeTransport final : public connectors::Transport {
 public:
  void reply(int status, std::string body,
             std::vector<connectors::Header> headers = {
                 {"Content-Type", "application/json"}}) {
    connectors::HttpResponse r;
    r.status = status;
    r.headers = std::move(headers);
    r.body = std::move(body);
    replies_.emplace_back(std::move(r));
  }

  void fail(connectors::Error e) {
    replies_.emplace_back(std::unexpected(std::move(e)));
  }

  connectors::Result<connectors::HttpResponse> send(
      const connectors::HttpRequest& request,
      connectors::Deadline deadline) override {
    requests.push_back(request);
    deadlines.push_back(deadline);
    if (replies_.empty()) {
      return connectors::makeError(connectors::ErrorCode::kInternal,
                                   "fake transport: nothing scripted for " +
                                       request.method + " " + request.path);
    }
    connectors::Result<connectors::HttpResponse> next = std::move(replies_.front());
    replies_.pop_front();
    return next;
  }

  std::size_t unusedReplies() const { return replies_.size(); }

  std::vector<connectors::HttpRequest> requests;
  std::vector<connectors::Deadline> deadlines;

 private:
  std::deque<connectors::Result<connectors::HttpResponse>> replies_;
};

// Every value of the header with exactly this name, in order.
inline std::vector<std::string> headerValues(const connectors::HttpRequest& r,
                                             std::string_view name) {
  std::vector<std::string> out;
  for (const connectors::Header& h : r.headers) {
    if (h.name == name) out.push_back(h.value);
  }
  return out;
}

}  // namespace rr::unit
