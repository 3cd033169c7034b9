#include "rerank/node_discovery.h"

#include <simdjson.h>

#include <algorithm>
#include <boost/asio.hpp>
#include <memory>
#include <set>

#include "rerank/async_upstream.h"

namespace rr::rerank {
namespace {

namespace asio = boost::asio;
namespace dom = simdjson::dom;

// A dedicated cluster manager: a manager role, and none that holds data,
// ingests or searches. (No roles at all: a coordinating-only node, kept.)
bool dedicatedManager(dom::element node) {
  dom::array roles;
  if (node["roles"].get(roles)) return false;
  bool manager = false;
  for (dom::element role : roles) {
    std::string_view name;
    if (role.get(name)) continue;
    if (name == "cluster_manager" || name == "master") {
      manager = true;
    } else if (name.starts_with("data") || name == "ingest" || name == "search") {
      return false;
    }
  }
  return manager;
}

// "HOST/IP:PORT", "IP:PORT" or "[IPv6]:PORT" as "HOST:PORT", "IP:PORT" or
// "[IPv6]:PORT"; empty when it is none of those.
std::string authority(std::string_view address) {
  std::string_view host;
  const auto slash = address.find('/');
  if (slash != std::string_view::npos) {
    host = address.substr(0, slash);
    address.remove_prefix(slash + 1);
  }
  const auto colon = address.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == address.size()) return "";
  const std::string_view port = address.substr(colon + 1);
  if (!std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return "";
  }
  if (host.empty()) host = address.substr(0, colon);
  // A bare IPv6 address (more than one ':') is written in brackets.
  const bool bare_v6 = host.find(':') != std::string_view::npos && host.front() != '[';
  return (bare_v6 ? "[" + std::string(host) + "]" : std::string(host)) + ":" + std::string(port);
}

// The addresses (`IP|PORT`) `url`'s host resolves to; none when it does
// not resolve within `timeout`.
asio::awaitable<std::set<std::string>> endpointsOf(const std::string& url,
                                                   std::chrono::milliseconds timeout) {
  std::set<std::string> out;
  const auto address = AsyncUpstream::addressOf(url);
  if (!address) co_return out;
  const auto executor = co_await asio::this_coro::executor;
  auto resolver = std::make_shared<asio::ip::tcp::resolver>(executor);
  auto timer = std::make_shared<asio::steady_timer>(executor, timeout);
  timer->async_wait([resolver](boost::system::error_code ec) {
    if (!ec) resolver->cancel();
  });
  boost::system::error_code ec;
  const auto results = co_await resolver->async_resolve(
      address->host, address->port, asio::redirect_error(asio::use_awaitable, ec));
  timer->cancel();
  if (ec) co_return out;
  for (const auto& entry : results) {
    out.insert(entry.endpoint().address().to_string() + "|" +
               std::to_string(entry.endpoint().port()));
  }
  co_return out;
}

}  // namespace

std::expected<std::vector<std::string>, std::string> parseNodesHttp(std::string_view body,
                                                                    std::string_view scheme) {
  dom::parser parser;
  dom::element doc;
  if (parser.parse(body.data(), body.size()).get(doc) || !doc.is_object()) {
    return std::unexpected("the answer is not a JSON object");
  }
  dom::object nodes;
  if (doc["nodes"].get(nodes)) return std::unexpected("the answer has no \"nodes\" object");
  std::vector<std::string> out;
  for (auto [id, node] : nodes) {
    if (dedicatedManager(node)) continue;
    std::string_view address;
    if (node.at_pointer("/http/publish_address").get(address)) {
      return std::unexpected("node " + std::string(id) + " has no http.publish_address");
    }
    const std::string where = authority(address);
    if (where.empty()) {
      return std::unexpected("node " + std::string(id) + ": cannot read the publish address '" +
                             std::string(address) + "'");
    }
    out.push_back(std::string(scheme) + "://" + where);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<std::string> withDiscovered(const std::vector<std::string>& configured,
                                        const std::vector<std::string>& discovered) {
  std::vector<std::string> out = configured;
  for (const auto& url : discovered) {
    if (std::find(out.begin(), out.end(), url) == out.end()) out.push_back(url);
  }
  return out;
}

asio::awaitable<std::vector<std::string>> notConfigured(std::vector<std::string> listed,
                                                         std::vector<std::string> configured,
                                                         std::chrono::milliseconds timeout) {
  std::set<std::string> configured_at;
  for (const auto& url : configured) configured_at.merge(co_await endpointsOf(url, timeout));
  std::vector<std::string> out;
  for (auto& url : listed) {
    bool configured_node = false;
    if (std::find(configured.begin(), configured.end(), url) == configured.end()) {
      for (const auto& at : co_await endpointsOf(url, timeout)) {
        configured_node = configured_node || configured_at.contains(at);
      }
    }
    if (!configured_node) out.push_back(std::move(url));
  }
  co_return out;
}

}  // namespace rr::rerank
