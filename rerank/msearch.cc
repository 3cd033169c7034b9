// `_msearch` on the rerank path: each search of the request is planned,
// fetched (one `_msearch` to the engine for all of them), bucketed, ranked
// and logged on its own, as a single `_search` would be. Like the search
// path, a coroutine over an UpstreamCaller: awaited on the I/O threads, or
// run to its end on the worker pool (msearch()).
#include <simdjson.h>

#include <boost/asio/this_coro.hpp>

#include <chrono>
#include <map>
#include <optional>

#include "connectors/json_writer.h"
#include "connectors/search_response.h"
#include "index_sync/vector_fields.h"
#include "rerank/detail/engine_answers.h"
#include "rerank/detail/started.h"
#include "rerank/detail/request_values.h"
#include "rerank/detail/url_query.h"
#include "rerank/handler.h"
#include "rerank/request_context.h"
#include "rerank/rerank_service.h"
#include "rerank/search_request.h"
#include "rerank/search_response_writer.h"

namespace rr::rerank {
namespace {

using Clock = std::chrono::steady_clock;
namespace asio = boost::asio;
namespace dom = simdjson::dom;

double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

Response RerankService::msearch(const Runtime& rt, const Request& request,
                                std::string_view path_index) {
  BlockingCaller caller(*rt.upstream);
  return runToEnd(msearchWith(rt, request, std::string(path_index), caller));
}

asio::awaitable<Response> RerankService::msearchWith(const Runtime& rt, const Request& request,
                                                     std::string path_index,
                                                     UpstreamCaller& caller) {
  const auto t0 = Clock::now();
  // An answer rerankd cannot read or write (`filter_path`, another format
  // in the URL or the Accept header) for the whole batch: the engine's, as
  // it is.
  {
    const auto params = detail::parseQuery(request.query());
    const detail::QueryParam* format = detail::findParam(params, "format");
    const char* reason = detail::findParam(params, "filter_path") ? "filter_path"
                         : (format && !detail::equalsIgnoreCase(format->value, "json")) ||
                                 detail::wantsOtherFormat(request.header("Accept"))
                             ? "format"
                             : nullptr;
    if (reason) {
      auto answer =
          co_await caller.raw(detail::passOn(request, rt.config->upstream.hasCredentials()));
      if (!answer) co_return detail::upstreamFailure(metrics_, answer.error());
      Response r = detail::fromEngine(std::move(*answer));
      r.set("X-Rerank", std::string("skipped; reason=") + reason);
      co_return r;
    }
  }
  struct Item {
    std::string header, body;
    const StorefrontRuntime* sf = nullptr;
    std::optional<SearchPlan> plan;
    std::optional<RequestError> error;
    // Of a search that is reranked: as a single `_search` has them.
    Shopper who;
    std::string request_id, bucket, page_key;
  };
  std::vector<Item> items;
  std::string_view rest = request.body;
  auto nextLine = [&](std::string_view& line) {
    if (rest.empty()) return false;
    const auto nl = rest.find('\n');
    line = rest.substr(0, nl);
    rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return true;
  };
  std::string_view header, body;
  while (nextLine(header)) {
    if (header.find_first_not_of(" \t") == std::string_view::npos) continue;
    if (!nextLine(body)) {
      // An odd line count: the engine words that error; let it.
      connectors::HttpRequest out{request.method, std::string(request.path()),
                                  std::string(request.query()),
                                  {{"Content-Type", "application/x-ndjson"}}, request.body};
      auto a = co_await caller.raw(std::move(out));
      if (!a) co_return detail::upstreamFailure(metrics_, a.error());
      co_return detail::fromEngine(std::move(*a));
    }
    Item item;
    item.header = std::string(header);
    item.body = std::string(body);
    // Which index: the header's, else the path's.
    std::string index(path_index);
    {
      thread_local dom::parser parser;
      dom::element doc, idx;
      if (!parser.parse(item.header.data(), item.header.size()).get(doc) && doc.is_object() &&
          !dom::object(doc).at_key("index").get(idx)) {
        if (idx.is_string()) {
          index = std::string(std::string_view(idx));
        } else if (idx.is_array()) {
          index.clear();
          for (auto v : dom::array(idx)) {
            if (!v.is_string()) continue;
            if (!index.empty()) index += ',';
            index += std::string_view(v);
          }
        }
      }
    }
    item.sf = rt.match(request.header("Host"), index);
    if (item.sf && item.sf->config->enabled) {
      const auto fields = index_sync::vectorFields(item.sf->config->vector.field,
                                                   item.sf->model->version);
      const std::string vf[] = {fields.vector};
      auto plan = planSearch({item.body, ""}, *item.sf->config, vf);
      if (plan) {
        item.plan = std::move(*plan);
      } else {
        item.error = plan.error();
      }
    }
    items.push_back(std::move(item));
  }
  for (auto& item : items) {
    if (!item.plan || !item.plan->rerank) continue;
    const auto& cfg = *item.sf->config;
    Request one = request;
    one.body = item.body;
    item.who = shopper(cfg, one, *item.plan);
    // Each search of the batch on its own, as a single `_search` would be:
    // its A/B bucket, its request id, its line in the activity log.
    item.request_id = detail::newRequestId();
    item.bucket = bucketOf(cfg, item.who.user, item.who.session, item.request_id);
    item.page_key = pageKey(cfg, item.who, "msearch " + item.header, *item.plan);
  }
  // Profiles from the shared store go out with the engine's `_msearch`, one
  // read per shopper (storefront and user), all joined after it.
  std::map<std::string, detail::Started<ReadHistory>> reads;
  for (const auto& item : items) {
    if (!item.plan || !readsProfileEarly(*item.sf->config, *item.plan, item.who, item.bucket,
                                         item.page_key)) {
      continue;
    }
    auto& read = reads[item.sf->config->name + '\n' + item.who.user];
    if (!read.pending()) {
      read = detail::Started<ReadHistory>::start(
          co_await asio::this_coro::executor,
          readHistory(item.sf->config->name, item.who.user, caller));
    }
  }
  std::map<std::string, ReadHistory> histories;
  // The engine gets every search, rewritten where it is reranked; searches
  // we answer ourselves (bad bodies) are left out.
  std::string ndjson;
  for (const auto& item : items) {
    if (item.error) continue;
    ndjson += item.header + "\n" + (item.plan ? item.plan->upstream_body : item.body) + "\n";
  }
  connectors::MsearchResponse engine;
  // The one engine call and its parse, observed for every search of the
  // batch that is reranked, as each counts as a request of its storefront.
  auto t_sent = Clock::now(), t_answered = t_sent, t_joined = t_sent;
  std::vector<connectors::Header> engine_headers;
  if (!ndjson.empty()) {
    connectors::HttpRequest out{"POST", std::string(request.path()), std::string(request.query()),
                                {}, ndjson};
    // The client's headers go on as with a `_search` (X-Opaque-Id for the
    // engine's slow log, say).
    detail::rewrittenHeaders(request, rt.config->upstream.hasCredentials(), out.headers);
    out.headers.push_back({"Content-Type", "application/x-ndjson"});
    t_sent = Clock::now();
    auto [timed, read] = co_await detail::joinAllAfter(timedCall(caller, std::move(out)), reads);
    histories = std::move(read);
    auto& answer = timed.answer;
    t_answered = timed.at;
    t_joined = Clock::now();  // the profile reads' answers in too: parsing starts
    if (!answer) co_return detail::upstreamFailure(metrics_, answer.error());
    if (answer->status != 200) co_return detail::fromEngine(std::move(*answer));
    engine_headers = std::move(answer->headers);
    auto parsed = connectors::parseMsearchResponse(std::move(answer->body));
    if (!parsed) {
      co_return errorResponse(502, "rerank_upstream_exception",
                              "the engine's _msearch response could not be read: " +
                                  parsed.error().message);
    }
    engine = std::move(*parsed);
  }
  const auto t_up = Clock::now();
  std::string out = "{\"took\":";
  std::string responses;
  // Per search, in order: its request id where rerankd served it, "-" where
  // it did not (an error, a passthrough), so that a click can name it.
  std::string request_ids;
  std::size_t next = 0;
  for (const auto& item : items) {
    if (!responses.empty()) responses += ',';
    if (!request_ids.empty()) request_ids += ',';
    request_ids += '-';
    if (item.error) {
      const std::string err = errorBody(*item.error);
      responses += err;  // already {"error":...,"status":400}
      continue;
    }
    if (next >= engine.responses.size()) {
      responses += errorBody({502, "rerank_upstream_exception", "missing _msearch item"});
      continue;
    }
    const auto& res = engine.responses[next++];
    if (!res) {
      responses += res.error().raw_body;
      continue;
    }
    if (!item.plan || !item.plan->rerank || res->status != 200) {
      responses += std::string(res->raw);
      if (item.sf) {
        metrics_.countRequest(item.sf->config->name, "skipped",
                              item.plan ? item.plan->pass_reason : "disabled");
      }
      continue;
    }
    const auto& cfg = *item.sf->config;
    metrics_.observeStage(cfg.name, "upstream", seconds(t_answered - t_sent));
    metrics_.observeStage(cfg.name, "parse", seconds(t_up - t_joined));
    const Shopper& who = item.who;
    const std::string& request_id = item.request_id;
    const std::string& bucket = item.bucket;
    const std::string query_text = queryText(item.body);
    request_ids.pop_back();  // its "-"
    request_ids += request_id;
    Ranking ranking;
    const auto t_rank = Clock::now();
    if (bucket == "control") {
      ranking.fail = "ab_control";
    } else {
      std::optional<ReadHistory> early;
      if (auto read = histories.find(cfg.name + '\n' + who.user); read != histories.end()) {
        early = read->second;  // a copy: the shopper may have more searches in the batch
      }
      ranking = co_await rankFor(*item.sf, *res, res->hits.size(), *item.plan, query_text, who,
                                 item.page_key, t0 + cfg.deadline, caller, std::move(early));
    }
    const auto t_ranked = Clock::now();
    metrics_.observeStage(cfg.name, "score", seconds(t_ranked - t_rank - ranking.profileWait()));
    ResponseParts parts;
    parts.window = &*res;
    parts.order = ranking.order;
    parts.from = item.plan->from;
    parts.size = item.plan->size;
    parts.strip_fields = item.plan->strip_fields;
    parts.explain = ranking.explain;
    const bool failed = !ranking.fail.empty();
    responses += failed ? writeEngineOrderPage(parts) : writeSearchResponse(parts);
    metrics_.observeStage(cfg.name, "write", seconds(Clock::now() - t_ranked));
    metrics_.countRequest(cfg.name, bucket == "control" ? "skipped" : failed ? "fallback" : "applied",
                          failed ? ranking.fail : ranking.reason);
    recordServed(*item.sf, who, query_text, request_id, bucket, *item.plan, *res, ranking, failed);
    rememberServed(*item.sf, request_id, query_text);
  }
  out += std::to_string(engine.took + static_cast<int64_t>(detail::ms(Clock::now() - t_up)));
  out += ",\"responses\":[" + responses + "]}";
  Response r;
  detail::addEngineHeaders(engine_headers, r);
  r.set("Content-Type", "application/json; charset=UTF-8");
  r.set("X-Rerank", "msearch");
  r.set("X-Rerank-Request-Id", request_ids);
  r.body = std::move(out);
  co_return r;
}

}  // namespace rr::rerank
