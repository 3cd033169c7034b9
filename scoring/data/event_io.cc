#include "scoring/data/event_io.h"

#include <fstream>

#include "scoring/data/detail/json_line.h"
#include "scoring/data/json_text.h"
#include "scoring/data/line_reader.h"

namespace rr::scoring::data {
namespace {

using detail::od::value;

// What a line said, before the type-dependent checks.
struct RawEvent {
  Event event;
  bool has_type = false;
  bool has_user = false;
  bool has_ts = false;
  bool has_item = false;
  bool has_query = false;
  std::string item;
  std::string clicked;
};

std::expected<void, FieldError> take(std::string& target,
                                     std::expected<std::string, FieldError> text) {
  if (!text) return std::unexpected(std::move(text.error()));
  target = std::move(*text);
  return {};
}

std::expected<void, FieldError> readField(RawEvent& raw, std::string_view key, value v) {
  Event& e = raw.event;
  if (key == "type") {
    raw.has_type = true;
    auto text = detail::readString(v, key);
    if (!text) return std::unexpected(std::move(text.error()));
    auto type = parseEventType(*text);
    if (!type) {
      return std::unexpected(FieldError{
          .field = "type",
          .message = "unknown event type '" + *text + "' (expected search, view, click, cart "
                     "or purchase)"});
    }
    e.type = *type;
    return {};
  }
  if (key == "user") {
    raw.has_user = true;
    return take(e.user, detail::readString(v, key));
  }
  if (key == "ts") {
    raw.has_ts = true;
    auto ts = detail::readInteger(v, key);
    if (!ts) return std::unexpected(std::move(ts.error()));
    e.ts_ms = *ts;
    return {};
  }
  if (key == "session") return take(e.session, detail::readOptionalString(v, key));
  if (key == "event_id") return take(e.event_id, detail::readOptionalString(v, key));
  if (key == "item") {
    raw.has_item = true;
    return take(raw.item, detail::readOptionalString(v, key));
  }
  if (key == "query") {
    raw.has_query = true;
    return take(e.query, detail::readString(v, key));
  }
  if (key == "clicked") return take(raw.clicked, detail::readOptionalString(v, key));
  if (key == "request_id") return take(e.request_id, detail::readOptionalString(v, key));
  if (key == "bucket") return take(e.bucket, detail::readOptionalString(v, key));
  if (key == "model") return take(e.model, detail::readOptionalString(v, key));
  if (key == "from") {
    auto from = detail::readInteger(v, key);
    if (!from) return std::unexpected(std::move(from.error()));
    if (*from < 0 || *from > 1'000'000) {
      return std::unexpected(FieldError{.field = "from", .message = "must be 0..1000000"});
    }
    e.from = static_cast<int>(*from);
    return {};
  }
  if (key == "impressions") {
    auto list = detail::readStringList(v, key);
    if (!list) return std::unexpected(std::move(list.error()));
    e.impressions = std::move(*list);
    return {};
  }
  return {};  // unknown fields are ignored
}

FieldError missing(std::string field) {
  return FieldError{.field = std::move(field), .message = "is missing"};
}

std::expected<Event, FieldError> finish(RawEvent raw) {
  if (!raw.has_type) return std::unexpected(missing("type"));
  if (!raw.has_user) return std::unexpected(missing("user"));
  if (raw.event.user.empty()) {
    return std::unexpected(FieldError{.field = "user", .message = "must not be empty"});
  }
  if (!raw.has_ts) return std::unexpected(missing("ts"));
  Event& e = raw.event;
  if (e.isSearch()) {
    if (!raw.has_query) return std::unexpected(missing("query"));
    e.item = std::move(raw.clicked);
  } else {
    if (!raw.has_item) return std::unexpected(missing("item"));
    if (raw.item.empty()) {
      return std::unexpected(FieldError{.field = "item", .message = "must not be empty"});
    }
    e.item = std::move(raw.item);
    // A click may name the search it came from; other interactions have none.
    if (e.type != Event::Type::kClick) e.query.clear();
    e.impressions.clear();
    e.bucket.clear();
    e.from = 0;
    e.model.clear();
  }
  return std::move(e);
}

}  // namespace

std::expected<Event, FieldError> parseEventLine(std::string_view line) {
  RawEvent raw;
  auto walked = detail::threadJsonLine().forEachField(
      line, [&](std::string_view key, value v) { return readField(raw, key, v); });
  if (!walked) return std::unexpected(std::move(walked.error()));
  return finish(std::move(raw));
}

void writeEventLine(std::string& out, const Event& event) {
  out += "{\"type\":\"";
  out += toString(event.type);
  out += "\",\"user\":";
  appendJsonString(out, event.user);
  if (!event.session.empty()) {
    out += ",\"session\":";
    appendJsonString(out, event.session);
  }
  out += ",\"ts\":";
  appendJsonInteger(out, event.ts_ms);
  if (event.isSearch()) {
    out += ",\"query\":";
    appendJsonString(out, event.query);
    if (!event.item.empty()) {
      out += ",\"clicked\":";
      appendJsonString(out, event.item);
    }
    if (!event.impressions.empty()) {
      out += ",\"impressions\":[";
      for (std::size_t i = 0; i < event.impressions.size(); ++i) {
        if (i > 0) out += ',';
        appendJsonString(out, event.impressions[i]);
      }
      out += ']';
    }
    if (!event.bucket.empty()) {
      out += ",\"bucket\":";
      appendJsonString(out, event.bucket);
    }
    if (event.from != 0) {
      out += ",\"from\":";
      appendJsonInteger(out, event.from);
    }
    if (!event.model.empty()) {
      out += ",\"model\":";
      appendJsonString(out, event.model);
    }
  } else {
    out += ",\"item\":";
    appendJsonString(out, event.item);
    if (event.type == Event::Type::kClick && !event.query.empty()) {
      out += ",\"query\":";
      appendJsonString(out, event.query);
    }
  }
  if (!event.event_id.empty()) {
    out += ",\"event_id\":";
    appendJsonString(out, event.event_id);
  }
  if (!event.request_id.empty()) {
    out += ",\"request_id\":";
    appendJsonString(out, event.request_id);
  }
  out += '}';
}

std::expected<std::size_t, LoadError> streamEvents(const std::string& path,
                                                   const EventSink& sink) {
  auto reader = LineReader::open(path);
  if (!reader) return std::unexpected(std::move(reader.error()));
  std::size_t count = 0;
  std::string line;
  while (reader->next(line)) {
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    auto event = parseEventLine(line);
    if (!event) {
      return std::unexpected(
          LoadError::fromField(path, reader->lineNumber(), std::move(event.error())));
    }
    sink(std::move(*event));
    ++count;
  }
  if (reader->readFailed()) return std::unexpected(reader->error("", "read error"));
  return count;
}

std::expected<std::vector<Event>, LoadError> readEvents(const std::string& path) {
  std::vector<Event> events;
  auto streamed = streamEvents(path, [&](Event&& e) { events.push_back(std::move(e)); });
  if (!streamed) return std::unexpected(std::move(streamed.error()));
  return events;
}

std::expected<void, std::string> writeEventsFile(const std::string& path,
                                                 const std::vector<Event>& events) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return std::unexpected(path + ": cannot be written");
  std::string buffer;
  for (const auto& event : events) {
    writeEventLine(buffer, event);
    buffer += '\n';
    if (buffer.size() > (1u << 20)) {
      out.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
      buffer.clear();
    }
  }
  out.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
  out.close();
  if (!out) return std::unexpected(path + ": write failed");
  return {};
}

}  // namespace rr::scoring::data
