// Reads the catalog and event-log files (formats in scoring/data) into the
// pipeline's types. Errors name the file, line and field.
#pragma once

#include <expected>
#include <string>
#include <vector>

#include "scoring/data/event.h"
#include "scoring/data/product.h"
#include "scoring/model.h"
#include "scoring/pipeline/example_builder.h"

namespace rr::scoring::pipeline {

std::expected<std::vector<scoring::ItemText>, std::string> loadCatalogFile(const std::string& path);

// The same conversions for data already in memory (a converter's or the
// shopper simulator's DataSet). Events come out sorted by time (stable).
std::vector<scoring::ItemText> toItemTexts(std::vector<data::Product> products);
std::vector<LogEvent> toLogEvents(std::vector<data::Event> events);

// Events sorted by time (stable). Searches with impressions (rerankd's
// activity log) get their click joined from the click events that follow
// them (data::joinClicksToImpressions); `joined` counts those.
std::expected<std::vector<LogEvent>, std::string> loadEventsFile(const std::string& path,
                                                                 std::size_t* joined = nullptr);

// The queries of every labelled search in [from_ms, to_ms).
std::vector<std::string> labelledQueries(const std::vector<LogEvent>& events, int64_t from_ms,
                                         int64_t to_ms);

}  // namespace rr::scoring::pipeline
