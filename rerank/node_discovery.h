// The cluster's nodes as the cluster lists them (`upstream.discover_nodes`).
//
// A self-managed cluster grows and shrinks; a config that lists three of
// its nodes misses the ones added since, and keeps a node that was retired.
// With `discover_nodes: true` rerankd asks the cluster (`GET /_nodes/http`,
// through the configured nodes) at start and every `discover_interval_s`,
// and sends searches round-robin over the configured nodes and those it
// found (rerank/server.cc), except those it already lists under another
// name. Dedicated cluster managers are left out, as the
// official clients leave them out: they hold no data and should not
// coordinate searches. A failed or empty answer keeps the last list.
#pragma once

#include <utility>  // boost/asio/awaitable.hpp uses std::exchange without it

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

namespace rr::rerank {

// The request that asks for them: only the fields read below.
inline constexpr std::string_view kNodesHttpPath = "/_nodes/http";
inline constexpr std::string_view kNodesHttpQuery =
    "filter_path=nodes.*.http.publish_address,nodes.*.roles";

// The nodes' URLs from the answer to that request, with `scheme` ("http"
// or "https", the configured nodes'), sorted. A publish address is
// `IP:PORT`, `[IPv6]:PORT`, or `HOST/IP:PORT` when the node publishes a host
// name (then the name is used: a certificate names hosts, not addresses).
std::expected<std::vector<std::string>, std::string> parseNodesHttp(std::string_view body,
                                                                    std::string_view scheme);

// The nodes to send to: `configured` in its order, then each of
// `discovered` it does not already list.
std::vector<std::string> withDiscovered(const std::vector<std::string>& configured,
                                        const std::vector<std::string>& discovered);

// Of `listed`, those that are not one of `configured` under another name:
// no address a listed node's host resolves to is one a configured node's
// resolves to. A config names a node by its host name and the cluster
// publishes its IP address (or the reverse); added again, that node would
// take two shares of the requests. A name that does not resolve within
// `timeout` counts as a node of its own.
boost::asio::awaitable<std::vector<std::string>> notConfigured(std::vector<std::string> listed,
                                                               std::vector<std::string> configured,
                                                               std::chrono::milliseconds timeout);

}  // namespace rr::rerank
