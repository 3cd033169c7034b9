// The embedded profile store's durability: a write-ahead log of accepted
// events and erasures, and snapshots of the whole store, in one directory.
//
//   DIR/lock       flock()ed while a rerankd owns the directory
//   DIR/snapshot   the store as of the last snapshot
//   DIR/wal        every record since
//
// A record is one line: 16 hex digits of FNV-1a over the JSON, a space, the
// JSON. Appends are written and fdatasync()ed before the events API answers,
// so an acknowledged event survives `kill -9` and power loss. On open the
// snapshot and then the WAL are replayed; a torn last line (a crash in the
// middle of a write that was never acknowledged) is cut off. A snapshot is
// written to a temporary file, synced and renamed over the old one, and only
// then is the WAL emptied; replaying a WAL whose events the snapshot already
// holds applies nothing twice (event ids). Erasing a user rewrites the
// snapshot at once, so their events leave the disk with the call.
#pragma once

#include <cstdint>
#include <expected>
#include <memory>
#include <span>
#include <string>

#include "rerank/profile_store.h"

namespace rr::rerank {

struct LoggedEvent {
  std::string storefront, user, event_id;
  ProfileEvent event;
};

struct ReplayStats {
  std::size_t snapshot_records = 0, wal_records = 0;
  std::size_t torn_bytes = 0;  // cut from the WAL's end
};

class EventLog {
 public:
  // Opens or creates `dir`, locks it (a second process gets an error naming
  // the directory) and replays it into `store`.
  static std::expected<std::unique_ptr<EventLog>, std::string> open(const std::string& dir,
                                                                     ProfileStore& store,
                                                                     ReplayStats* stats = nullptr);
  ~EventLog();
  EventLog(const EventLog&) = delete;
  EventLog& operator=(const EventLog&) = delete;

  // Durable once this returns without error. Not thread-safe: the caller
  // serializes appends with whatever it applies to the store.
  std::expected<void, std::string> append(std::span<const LoggedEvent> events);
  std::expected<void, std::string> appendErase(const std::string& storefront,
                                               const std::string& user);
  // Writes `store` as the new snapshot and empties the WAL.
  std::expected<void, std::string> snapshot(const ProfileStore& store);

  std::size_t recordsSinceSnapshot() const { return wal_records_; }
  const std::string& dir() const { return dir_; }

 private:
  EventLog(std::string dir, int lock_fd, int wal_fd);
  std::expected<void, std::string> writeAll(const std::string& text);

  std::string dir_;
  int lock_fd_ = -1;
  int wal_fd_ = -1;
  std::size_t wal_records_ = 0;
};

// One record's JSON: an "add" record is also the document the shared store
// keeps per event.
std::string eventRecord(const LoggedEvent& e);
// Applies one record's JSON to `store`; false when it is not a record.
bool applyRecord(std::string_view json, ProfileStore& store);

}  // namespace rr::rerank
