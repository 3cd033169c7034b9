// POST /_rerank/events: NDJSON, one event per line:
//   {"event_id":"e1","storefront":"demo","user_id":"u1","session_id":"s1",
//    "type":"click","item_id":"sku-1","query":"halo","ts":1700000000000}
// Each line is judged on its own: valid lines are kept when others fail.
// Parsing is pure (this header); the handler applies the accepted events.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "rerank/profile_store.h"

namespace rr::rerank {

inline constexpr std::size_t kMaxEventLineBytes = 16 * 1024;

struct ParsedEvent {
  std::size_t line = 0;  // 1-based
  bool ok = false;
  std::string reason;    // when !ok: what is wrong, naming the field
  std::string event_id, storefront, user_id, session_id, item_id, query;
  std::string request_id;  // optional: the X-Rerank-Request-Id of the search it came from
  EventKind kind = EventKind::kView;
  int64_t ts_ms = 0;
};

// How far after the server's clock an event's ts may be: clocks drift, but
// a ts days ahead is a unit mistake (microseconds), and such an event would
// stay the shopper's newest, at full weight, for years.
inline constexpr int64_t kMaxFutureMs = 24LL * 3600 * 1000;

// Every non-blank line of `body`, judged: required event_id, storefront,
// user_id (non-empty strings), type (view|click|cart|purchase|search), ts
// (epoch milliseconds, a non-negative integer, at most kMaxFutureMs after
// `now_ms`), item_id for every type but search, query for search;
// session_id and request_id optional. Unknown members are ignored; a key
// given twice in one object is an error, as in a search body. Lines over
// kMaxEventLineBytes are rejected without parsing.
std::vector<ParsedEvent> parseEvents(std::string_view body, int64_t now_ms);

}  // namespace rr::rerank
