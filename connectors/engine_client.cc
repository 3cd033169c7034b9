#include "connectors/engine_client.h"

#include <charconv>

#include "connectors/detail/json_reader.h"
#include "connectors/json_writer.h"

namespace rr::connectors {
namespace {

namespace od = simdjson::ondemand;
using detail::jsonError;

// http(s)://host[:port] with nothing after it but optional slashes: no
// userinfo (auth has its own option), path, query or fragment.
bool validUrl(std::string_view url) {
  std::string_view rest;
  if (url.starts_with("http://")) {
    rest = url.substr(7);
  } else if (url.starts_with("https://")) {
    rest = url.substr(8);
  } else {
    return false;
  }
  while (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  std::string_view host = rest, port;
  if (rest.starts_with('[')) {  // [IPv6]
    auto close = rest.find(']');
    if (close == std::string_view::npos) return false;
    host = rest.substr(0, close + 1);
    std::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return false;
      port = after.substr(1);
      if (port.empty()) return false;
    }
  } else if (auto colon = rest.rfind(':'); colon != std::string_view::npos) {
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
    if (port.empty()) return false;
  }
  if (host.empty() || host == "[]") return false;
  const bool bracketed = host.front() == '[';
  for (char c : host) {
    if (c == '/' || c == '?' || c == '#' || c == '@' || c == ' ' || (c == ':' && !bracketed)) {
      return false;
    }
  }
  if (!port.empty()) {
    int n = 0;
    auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), n);
    if (ec != std::errc{} || p != port.data() + port.size() || n <= 0 || n > 65535) return false;
  }
  return true;
}

std::string indexPath(std::string_view index, std::string_view suffix) {
  std::string path = "/";
  if (!index.empty()) {
    path += encodePathSegment(index);
    path += "/";
  }
  path += suffix;
  return path;
}

// One reference-counted body per page: the callback gets the parsed page,
// and we only keep the cursor we need for the next one.
std::string scanBody(const ScanRequest& request, std::string_view extra) {
  std::string body = "{\"size\":" + std::to_string(request.page_size) +
                     ",\"query\":" + request.query;
  if (!request.source.empty()) body += ",\"_source\":" + request.source;
  if (!request.extra_body.empty()) body += "," + request.extra_body;
  body += extra;
  body += "}";
  return body;
}

int parseVersionPart(std::string_view& s) {
  int v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{}) return 0;
  s.remove_prefix(static_cast<std::size_t>(ptr - s.data()));
  if (!s.empty() && s.front() == '.') s.remove_prefix(1);
  return v;
}

}  // namespace

bool EngineInfo::supportsPit() const {
  // `_shard_doc`, the tiebreaker that makes PIT paging exact, arrived in
  // OpenSearch 3.3; Elasticsearch OSS has no PIT at all.
  return distribution == Distribution::kOpenSearch &&
         (major > 3 || (major == 3 && minor >= 3));
}

std::string EngineInfo::describe() const {
  return std::string(distribution == Distribution::kOpenSearch
                         ? "OpenSearch "
                         : "Elasticsearch ") +
         version;
}

Result<EngineInfo> parseEngineInfo(std::string body) {
  detail::ensurePadding(body);
  od::parser parser;
  od::document doc;
  RR_TRY_JSON(parser.iterate(body.data(), body.size(), body.capacity()).get(doc), "");
  od::object top;
  RR_TRY_JSON(doc.get_object().get(top), "");
  EngineInfo info;
  info.distribution = EngineInfo::Distribution::kElasticsearch;
  bool have_version = false;
  for (auto field : top) {
    std::string_view key;
    RR_TRY_JSON(field.unescaped_key().get(key), "");
    if (key == "cluster_name") {
      std::string_view name;
      RR_TRY_JSON(field.value().get_string().get(name), "cluster_name");
      info.cluster_name = std::string(name);
    } else if (key == "version") {
      od::object version;
      RR_TRY_JSON(field.value().get_object().get(version), "version");
      for (auto vf : version) {
        std::string_view vkey;
        RR_TRY_JSON(vf.unescaped_key().get(vkey), "version");
        std::string_view s;
        if (vkey == "number") {
          RR_TRY_JSON(vf.value().get_string().get(s), "version.number");
          info.version = std::string(s);
          have_version = true;
        } else if (vkey == "distribution") {
          RR_TRY_JSON(vf.value().get_string().get(s), "version.distribution");
          if (s == "opensearch") {
            info.distribution = EngineInfo::Distribution::kOpenSearch;
          }
        }
      }
    }
  }
  if (auto end = detail::expectEnd(doc); !end) return std::unexpected(end.error());
  if (!have_version) {
    return std::unexpected(jsonError("version.number", "missing"));
  }
  std::string_view v = info.version;
  info.major = parseVersionPart(v);
  info.minor = parseVersionPart(v);
  info.patch = parseVersionPart(v);
  return info;
}

Result<std::unique_ptr<EngineClient>> EngineClient::create(ClientOptions options) {
  for (const auto& url : options.urls.empty() ? std::vector{options.url} : options.urls) {
    if (!validUrl(url)) {
      return makeError(ErrorCode::kInvalidArgument,
                       "upstream.url: expected http(s)://host[:port], got '" + url + "'");
    }
  }
  auto transport = std::make_shared<CurlTransport>(options);
  return std::make_unique<EngineClient>(std::move(options), std::move(transport));
}

EngineClient::EngineClient(ClientOptions options,
                           std::shared_ptr<Transport> transport)
    : options_(std::move(options)), transport_(std::move(transport)) {}

Deadline EngineClient::deadlineOr(std::optional<Deadline> deadline) const {
  return deadline ? *deadline : Clock::now() + options_.request_timeout;
}

Result<HttpResponse> EngineClient::raw(const HttpRequest& request,
                                       std::optional<Deadline> deadline) {
  if (request.path.empty() || request.path.front() != '/') {
    return makeError(ErrorCode::kInvalidArgument,
                     "path must start with '/': '" + request.path + "'");
  }
  return transport_->send(request, deadlineOr(deadline));
}

Result<HttpResponse> EngineClient::call(std::string method, std::string path,
                                        std::string query, std::string body,
                                        std::optional<Deadline> deadline,
                                        std::string_view content_type) {
  HttpRequest request{.method = std::move(method),
                      .path = std::move(path),
                      .query = std::move(query),
                      .headers = {},
                      .body = std::move(body)};
  if (!request.body.empty()) {
    request.headers.push_back({"Content-Type", std::string(content_type)});
  }
  auto response = transport_->send(request, deadlineOr(deadline));
  if (!response) return response;
  if (response->status < 200 || response->status >= 300) {
    return std::unexpected(detail::engineError(response->status, response->body));
  }
  return response;
}

Result<SearchResponse> EngineClient::search(std::string_view index,
                                            std::string body,
                                            std::string_view query,
                                            std::optional<Deadline> deadline) {
  auto response = call("POST", indexPath(index, "_search"), std::string(query),
                       std::move(body), deadline);
  if (!response) return std::unexpected(response.error());
  return parseSearchResponse(std::move(response->body));
}

Result<MsearchResponse> EngineClient::msearch(std::string ndjson,
                                              std::optional<Deadline> deadline) {
  if (!ndjson.empty() && ndjson.back() != '\n') ndjson.push_back('\n');
  auto response = call("POST", "/_msearch", "", std::move(ndjson), deadline,
                       "application/x-ndjson");
  if (!response) return std::unexpected(response.error());
  return parseMsearchResponse(std::move(response->body));
}

Result<BulkResult> EngineClient::bulk(std::span<const BulkOp> ops,
                                      std::string_view refresh,
                                      std::optional<Deadline> deadline) {
  if (ops.empty()) return BulkResult{};
  auto body = buildBulkBody(ops);
  if (!body) return std::unexpected(body.error());
  std::string query;
  if (!refresh.empty()) query = "refresh=" + std::string(refresh);
  auto response = call("POST", "/_bulk", std::move(query), std::move(*body),
                       deadline, "application/x-ndjson");
  if (!response) return std::unexpected(response.error());
  return parseBulkResponse(std::move(response->body), ops.size());
}

Result<ScanStats> EngineClient::scan(
    const ScanRequest& request,
    const std::function<bool(const SearchResponse&)>& on_page) {
  if (request.index.empty() || request.page_size <= 0) {
    return makeError(ErrorCode::kInvalidArgument,
                     "scan: index must be set and page_size > 0");
  }
  auto engine = info();
  if (!engine) return std::unexpected(engine.error());
  return engine->supportsPit() && request.allow_pit ? scanWithPit(request, on_page)
                               : scanWithScroll(request, on_page);
}

Result<ScanStats> EngineClient::scanWithPit(
    const ScanRequest& request,
    const std::function<bool(const SearchResponse&)>& on_page) {
  auto opened = call("POST", indexPath(request.index, "_search/point_in_time"),
                     "keep_alive=" + request.keep_alive, "", {});
  if (!opened) return std::unexpected(opened.error());
  auto pit = parseSearchResponse(std::move(opened->body));
  if (!pit) return std::unexpected(pit.error());
  std::string pit_id(pit->pit_id);
  if (pit_id.empty()) {
    return std::unexpected(jsonError("pit_id", "missing in the PIT response"));
  }
  ScanStats stats{.pages = 0, .documents = 0, .used_pit = true};
  std::string search_after;
  Result<ScanStats> outcome = stats;
  while (true) {
    std::string extra = ",\"pit\":{\"id\":" + jsonString(pit_id) +
                        ",\"keep_alive\":" + jsonString(request.keep_alive) +
                        "},\"sort\":[{\"_shard_doc\":\"asc\"}]";
    if (!search_after.empty()) extra += ",\"search_after\":" + search_after;
    auto page = search("", scanBody(request, extra), {}, {});
    if (!page) {
      outcome = std::unexpected(page.error());
      break;
    }
    if (!page->pit_id.empty()) pit_id = std::string(page->pit_id);
    if (page->hits.empty()) break;
    ++stats.pages;
    stats.documents += page->hits.size();
    search_after = std::string(page->hits.back().sort);
    if (search_after.empty()) {
      outcome = std::unexpected(jsonError("hits.hits[-1].sort", "missing"));
      break;
    }
    bool more = on_page(*page);
    if (!more || page->hits.size() < static_cast<std::size_t>(request.page_size)) {
      break;
    }
  }
  // Best effort: an expired PIT is freed by the engine anyway.
  (void)call("DELETE", "/_search/point_in_time", "",
             "{\"pit_id\":[" + jsonString(pit_id) + "]}", {});
  if (outcome) outcome = stats;
  return outcome;
}

Result<ScanStats> EngineClient::scanWithScroll(
    const ScanRequest& request,
    const std::function<bool(const SearchResponse&)>& on_page) {
  ScanStats stats{.pages = 0, .documents = 0, .used_pit = false};
  auto page = search(request.index, scanBody(request, ",\"sort\":[\"_doc\"]"),
                     "scroll=" + request.keep_alive, {});
  std::string scroll_id;
  Result<ScanStats> outcome = stats;
  while (true) {
    if (!page) {
      outcome = std::unexpected(page.error());
      break;
    }
    if (!page->scroll_id.empty()) scroll_id = std::string(page->scroll_id);
    if (page->hits.empty()) break;
    ++stats.pages;
    stats.documents += page->hits.size();
    if (!on_page(*page)) break;
    if (scroll_id.empty()) {
      outcome = std::unexpected(jsonError("_scroll_id", "missing"));
      break;
    }
    page = [&]() -> Result<SearchResponse> {
      auto r = call("POST", "/_search/scroll", "",
                    "{\"scroll\":" + jsonString(request.keep_alive) +
                        ",\"scroll_id\":" + jsonString(scroll_id) + "}",
                    {});
      if (!r) return std::unexpected(r.error());
      return parseSearchResponse(std::move(r->body));
    }();
  }
  if (!scroll_id.empty()) {
    (void)call("DELETE", "/_search/scroll", "",
               "{\"scroll_id\":[" + jsonString(scroll_id) + "]}", {});
  }
  if (outcome) outcome = stats;
  return outcome;
}

Result<void> EngineClient::createIndex(std::string_view index, std::string body,
                                       std::optional<Deadline> deadline) {
  auto r = call("PUT", indexPath(index, ""), "", std::move(body), deadline);
  if (!r) return std::unexpected(r.error());
  return {};
}

Result<void> EngineClient::deleteIndex(std::string_view index,
                                       bool ignore_missing,
                                       std::optional<Deadline> deadline) {
  auto r = call("DELETE", indexPath(index, ""), "", "", deadline);
  if (!r) {
    if (ignore_missing && r.error().http_status == 404) return {};
    return std::unexpected(r.error());
  }
  return {};
}

Result<bool> EngineClient::indexExists(std::string_view index,
                                       std::optional<Deadline> deadline) {
  HttpRequest request;
  request.method = "HEAD";
  request.path = indexPath(index, "");
  auto r = transport_->send(request, deadlineOr(deadline));
  if (!r) return std::unexpected(r.error());
  if (r->status == 200) return true;
  if (r->status == 404) return false;
  return std::unexpected(detail::engineError(r->status, r->body));
}

Result<void> EngineClient::putMapping(std::string_view index, std::string body,
                                      std::optional<Deadline> deadline) {
  auto r = call("PUT", indexPath(index, "_mapping"), "", std::move(body), deadline);
  if (!r) return std::unexpected(r.error());
  return {};
}

Result<std::string> EngineClient::getMapping(std::string_view index,
                                             std::optional<Deadline> deadline) {
  auto r = call("GET", indexPath(index, "_mapping"), "", "", deadline);
  if (!r) return std::unexpected(r.error());
  return std::move(r->body);
}

Result<void> EngineClient::refresh(std::string_view index,
                                   std::optional<Deadline> deadline) {
  auto r = call("POST", indexPath(index, "_refresh"), "", "", deadline);
  if (!r) return std::unexpected(r.error());
  return {};
}

Result<ClusterHealth> EngineClient::health(std::string_view wait_for_status,
                                           std::optional<Deadline> deadline) {
  std::string query;
  if (!wait_for_status.empty()) {
    query = "wait_for_status=" + std::string(wait_for_status) + "&timeout=";
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadlineOr(deadline) - Clock::now());
    query += std::to_string(std::max<long long>(1, left.count() - 50)) + "ms";
  }
  auto r = call("GET", "/_cluster/health", std::move(query), "", deadline);
  if (!r) return std::unexpected(r.error());
  return parseClusterHealth(std::move(r->body));
}

Result<ClusterHealth> parseClusterHealth(std::string body) {
  detail::ensurePadding(body);
  od::parser parser;
  od::document doc;
  RR_TRY_JSON(parser.iterate(body.data(), body.size(), body.capacity()).get(doc), "");
  od::object top;
  RR_TRY_JSON(doc.get_object().get(top), "");
  ClusterHealth health;
  for (auto field : top) {
    std::string_view key;
    RR_TRY_JSON(field.unescaped_key().get(key), "");
    if (key == "status") {
      std::string_view s;
      RR_TRY_JSON(field.value().get_string().get(s), "status");
      health.status = std::string(s);
    } else if (key == "number_of_nodes") {
      int64_t n = 0;
      RR_TRY_JSON(field.value().get_int64().get(n), "number_of_nodes");
      health.number_of_nodes = static_cast<int>(n);
    } else if (key == "timed_out") {
      RR_TRY_JSON(field.value().get_bool().get(health.timed_out), "timed_out");
    }
  }
  if (health.status.empty()) {
    return std::unexpected(jsonError("status", "missing"));
  }
  return health;
}

Result<EngineInfo> EngineClient::info(std::optional<Deadline> deadline) {
  {
    std::lock_guard lock(info_mu_);
    if (info_) return *info_;
  }
  auto r = call("GET", "/", "", "", deadline);
  if (!r) return std::unexpected(r.error());
  auto parsed = parseEngineInfo(std::move(r->body));
  if (!parsed) return parsed;
  std::lock_guard lock(info_mu_);
  info_ = *parsed;
  return parsed;
}

Error engineErrorFromResponse(const HttpResponse& response) {
  return detail::engineError(response.status, response.body);
}

}  // namespace rr::connectors
