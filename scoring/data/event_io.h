// Event-log files (JSON Lines of Event, format in event.h): parse, read,
// stream, write.
//
// Reading: blank lines are skipped; unknown fields are ignored. Required:
// `type` (search|view|click|cart|purchase), `user` (non-empty string), `ts`
// (integer, epoch ms); for searches `query` (a string, may be empty); for
// view/click/cart/purchase `item` (non-empty string). Optional: `session`,
// `event_id`, and for searches `clicked` (string or null) and `impressions`
// (array of strings or null). Fields that do not belong to the event's type
// are dropped (after the same type check). Errors name the file, the line and
// the field.
//
// Writing: type, user, session, ts, then query, clicked, impressions
// (searches) or item (the others), then event_id; empty optional values are
// left out. Writing an event, reading it and writing it again gives the same
// line. An interaction's query and impressions are not part of the format.
//
// Thread-safe: each thread uses its own parser.
#pragma once

#include <cstddef>
#include <expected>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "scoring/data/event.h"
#include "scoring/data/load_error.h"

namespace rr::scoring::data {

// One line (without its newline) -> Event.
std::expected<Event, FieldError> parseEventLine(std::string_view line);

// Appends the JSON line of `event` to `out`, without a newline.
void writeEventLine(std::string& out, const Event& event);

// Every event of the file, in file order (not re-sorted).
std::expected<std::vector<Event>, LoadError> readEvents(const std::string& path);

// Streams a log too large to hold: `sink` gets each event in file order, one
// at a time. Stops at the first bad line; events before it were delivered.
// Returns the number of events delivered.
using EventSink = std::function<void(Event&&)>;
std::expected<std::size_t, LoadError> streamEvents(const std::string& path, const EventSink& sink);

// Writes `events`, one line each, replacing the file. Error text names the
// path.
std::expected<void, std::string> writeEventsFile(const std::string& path,
                                                 const std::vector<Event>& events);

}  // namespace rr::scoring::data
