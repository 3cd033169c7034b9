// One event of a storefront's event log.
//
// Event log: JSON Lines, one event per line, `ts` in epoch milliseconds:
//   {"type":"search","user":"u","session":"s","ts":1313035144270,
//    "query":"halo","clicked":"9713872","impressions":["a","b"]}
//   {"type":"click","user":"u","session":"s","ts":1313035217021,"item":"9713872"}
// `type` is one of search|view|click|cart|purchase; `event_id` and
// `request_id` are optional on every event, `bucket` and `from` on searches.
// See event_io.h for what is required.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rr::scoring::data {

struct Event {
  enum class Type { kSearch, kView, kClick, kCart, kPurchase };

  Type type = Type::kSearch;
  std::string user;
  std::string session;  // may be empty (not written then)
  int64_t ts_ms = 0;
  // Interactions: the item. Searches: the clicked item ("clicked" in the
  // file), empty when the search has no known click.
  std::string item;
  // Searches: the query. Clicks: the query of the search the click came
  // from, when known (may be empty). Other interactions: empty.
  std::string query;
  std::vector<std::string> impressions;  // searches only, may be empty
  std::string event_id;                  // optional
  // What rerankd's activity log adds to a search it served: the request id
  // (events may carry it back), the A/B bucket, the position of the first
  // impression minus one (the page's `from`) and the model version. Optional; clicks may
  // carry the request id of the search they came from.
  std::string request_id;
  std::string bucket;
  int from = 0;
  std::string model;  // the model version that ranked the page ("" when not said)

  bool isSearch() const { return type == Type::kSearch; }
  bool operator==(const Event&) const = default;
};

// "search", "view", "click", "cart", "purchase".
std::string_view toString(Event::Type type);

// The inverse of toString(); nullopt for any other text.
std::optional<Event::Type> parseEventType(std::string_view text);

}  // namespace rr::scoring::data
