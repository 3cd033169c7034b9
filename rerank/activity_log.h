// rerankd's activity log: every search it served (the page's items, the
// bucket, the request id) and every event it accepted, as JSON lines in the
// storefront event-log format (scoring/data/event.h), one file per UTC day:
//   DIR/<storefront>/activity-YYYY-MM-DD.jsonl
// rerank-eval --online reads it; rerank-train --events can too; rerankd
// itself replays it on start to restore its live click statistics (see
// RerankService::restoreLiveStats). Lines are written (not synced) as they
// happen: a crash may lose the last moments of impressions, never an
// acknowledged event (the profile log holds those). Thread-safe.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "scoring/data/event.h"

namespace rr::rerank {

class ActivityLog {
 public:
  explicit ActivityLog(std::string dir);
  ~ActivityLog();
  ActivityLog(const ActivityLog&) = delete;
  ActivityLog& operator=(const ActivityLog&) = delete;

  void record(const std::string& storefront, const scoring::data::Event& event);
  // Rewrites the storefront's files without the user's lines (erasure).
  // False, with the reason, when a file could not be rewritten.
  bool eraseUser(const std::string& storefront, const std::string& user, std::string& error);
  // Failed writes so far (the directory vanished, the disk is full...).
  std::size_t errors() const;

  // Calls f with every event of the storefront's files of day `from_day`
  // (YYYY-MM-DD; "" for all) and later, oldest file first, each in the
  // order written. Lines that do not read as an event (a last line a crash
  // cut short) are skipped and counted.
  struct Replayed {
    std::size_t files = 0, events = 0, skipped = 0;
  };
  Replayed replay(const std::string& storefront, const std::string& from_day,
                  const std::function<void(const scoring::data::Event&)>& f) const;

  // The UTC day of an epoch-ms time, as the file names write it.
  static std::string dayOf(int64_t epoch_ms);

 private:
  struct Open {
    std::string day;
    std::FILE* file = nullptr;
  };
  std::string dir_;
  mutable std::mutex mu_;
  std::map<std::string, Open> files_;  // by storefront
  std::size_t errors_ = 0;
};

}  // namespace rr::rerank
