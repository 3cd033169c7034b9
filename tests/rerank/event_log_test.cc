// The profile store's write-ahead log and snapshots: what was appended comes
// back after a reopen, a torn last record is cut, snapshots keep duplicates
// detectable, erasing a user removes their events from the disk, and a
// directory has one owner.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "rerank/event_log.h"

using namespace rr::rerank;

namespace {

std::filesystem::path freshDir(const std::string& tag) {
  auto dir = std::filesystem::temp_directory_path() /
             ("rr-event-log-" + tag + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  return dir;
}

int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

LoggedEvent event(const std::string& user, const std::string& id, int64_t ts,
                  EventKind kind = EventKind::kClick) {
  LoggedEvent e{"shop", user, id, {}};
  e.event.kind = kind;
  e.event.item_id = "sku-" + id;
  e.event.session_id = "s-" + user;
  e.event.ts_ms = ts;
  auto text = std::make_shared<rr::scoring::ItemText>();
  text->id = e.event.item_id;
  text->title = "Title \"" + id + "\" with\nnewline";
  text->brand = "Acme";
  text->price = 19.99;
  e.event.item = text;
  return e;
}

// Appends and applies, as the service does.
void ingest(EventLog& log, ProfileStore& store, std::vector<LoggedEvent> events) {
  REQUIRE(log.append(events));
  for (auto& e : events) store.add(e.storefront, e.user, e.event_id, e.event);
}

std::string readAll(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("appended events come back after a reopen, item text included") {
  const auto dir = freshDir("reopen");
  const int64_t t = nowMs();
  {
    ProfileStore store;
    auto log = EventLog::open(dir, store);
    REQUIRE(log);
    ingest(**log, store, {event("u1", "e1", t - 2000), event("u1", "e2", t - 1000),
                          event("u2", "e3", t, EventKind::kPurchase)});
  }
  ProfileStore store;
  ReplayStats stats;
  auto log = EventLog::open(dir, store, &stats);
  REQUIRE(log);
  CHECK(stats.wal_records == 3);
  CHECK(stats.torn_bytes == 0);
  const auto h = store.history("shop", "u1");
  REQUIRE(h.size() == 2);
  CHECK(h[0].item_id == "sku-e1");
  CHECK(h[1].ts_ms == t - 1000);
  CHECK(h[1].session_id == "s-u1");
  REQUIRE(h[1].item);
  CHECK(h[1].item->title == "Title \"e2\" with\nnewline");
  CHECK(h[1].item->brand == "Acme");
  CHECK(h[1].item->price == 19.99);
  CHECK(store.history("shop", "u2").at(0).kind == EventKind::kPurchase);
  CHECK(store.seen("shop", "e3"));
  CHECK_FALSE(store.seen("shop", "e4"));
}

TEST_CASE("a torn last record is cut and appends continue after it") {
  const auto dir = freshDir("torn");
  const int64_t t = nowMs();
  {
    ProfileStore store;
    auto log = EventLog::open(dir, store);
    REQUIRE(log);
    ingest(**log, store, {event("u1", "e1", t - 1000), event("u1", "e2", t)});
  }
  const auto whole = std::filesystem::file_size(dir / "wal");
  {
    // A crash in the middle of writing a third record.
    std::ofstream out(dir / "wal", std::ios::app | std::ios::binary);
    out << "0123456789abcdef {\"op\":\"add\",\"sf\":\"shop\",\"us";
  }
  {
    ProfileStore store;
    ReplayStats stats;
    auto log = EventLog::open(dir, store, &stats);
    REQUIRE(log);
    CHECK(stats.wal_records == 2);
    CHECK(stats.torn_bytes > 0);
    CHECK(std::filesystem::file_size(dir / "wal") == whole);
    ingest(**log, store, {event("u1", "e3", t + 1)});
  }
  {
    // A whole line whose checksum does not match is torn as well.
    std::ofstream out(dir / "wal", std::ios::app | std::ios::binary);
    out << "0000000000000000 {\"op\":\"erase\",\"sf\":\"shop\",\"user\":\"u1\"}\n";
  }
  ProfileStore store;
  auto log = EventLog::open(dir, store);
  REQUIRE(log);
  CHECK(store.history("shop", "u1").size() == 3);
}

TEST_CASE("a snapshot empties the log and keeps events and duplicate ids") {
  const auto dir = freshDir("snapshot");
  const int64_t t = nowMs();
  {
    ProfileStore store(100, 2);  // two events a user: e1 falls out, its id stays known
    auto log = EventLog::open(dir, store);
    REQUIRE(log);
    ingest(**log, store,
           {event("u1", "e1", t - 3000), event("u1", "e2", t - 2000), event("u1", "e3", t - 1000)});
    REQUIRE((*log)->snapshot(store));
    CHECK(std::filesystem::file_size(dir / "wal") == 0);
    CHECK((*log)->recordsSinceSnapshot() == 0);
    ingest(**log, store, {event("u2", "e4", t)});
  }
  ProfileStore store(100, 2);
  ReplayStats stats;
  auto log = EventLog::open(dir, store, &stats);
  REQUIRE(log);
  CHECK(stats.wal_records == 1);
  const auto h = store.history("shop", "u1");
  REQUIRE(h.size() == 2);
  CHECK(h[0].item_id == "sku-e2");
  CHECK(store.history("shop", "u2").size() == 1);
  for (const char* id : {"e1", "e2", "e3", "e4"}) CHECK(store.seen("shop", id));
  // A crash after the snapshot's rename but before the log was emptied
  // replays events the snapshot holds: applied once.
  LoggedEvent again = event("u2", "e4", t);
  CHECK_FALSE(store.add("shop", "u2", "e4", again.event));
  CHECK(store.history("shop", "u2").size() == 1);
}

TEST_CASE("erasing a user and snapshotting removes every trace of their events from disk") {
  const auto dir = freshDir("erase");
  const int64_t t = nowMs();
  ProfileStore store;
  auto log = EventLog::open(dir, store);
  REQUIRE(log);
  ingest(**log, store, {event("alice-secret", "e1", t - 1000), event("bob", "e2", t)});
  REQUIRE((*log)->snapshot(store));
  ingest(**log, store, {event("alice-secret", "e3", t)});
  REQUIRE((*log)->appendErase("shop", "alice-secret"));
  store.erase("shop", "alice-secret");
  REQUIRE((*log)->snapshot(store));
  for (const auto& f : std::filesystem::directory_iterator(dir)) {
    INFO(f.path());
    CHECK(readAll(f.path()).find("alice-secret") == std::string::npos);
  }
  log->reset();
  ProfileStore reopened;
  REQUIRE(EventLog::open(dir, reopened));
  CHECK(reopened.history("shop", "alice-secret").empty());
  CHECK(reopened.history("shop", "bob").size() == 1);
}

TEST_CASE("a directory has one owner at a time") {
  const auto dir = freshDir("lock");
  ProfileStore a, b;
  auto first = EventLog::open(dir, a);
  REQUIRE(first);
  auto second = EventLog::open(dir, b);
  REQUIRE_FALSE(second);
  CHECK_THAT(second.error(), Catch::Contains("in use by another rerankd"));
  first->reset();
  CHECK(EventLog::open(dir, b));
}

TEST_CASE("events past the retention are neither used nor kept") {
  const auto dir = freshDir("retention");
  const int64_t t = nowMs();
  ProfileStore store(100, 50, /*retention_days=*/30);
  auto log = EventLog::open(dir, store);
  REQUIRE(log);
  ingest(**log, store, {event("u1", "old", t - 31LL * 86'400'000), event("u1", "new", t)});
  const auto h = store.history("shop", "u1");
  REQUIRE(h.size() == 1);
  CHECK(h[0].item_id == "sku-new");
  REQUIRE((*log)->snapshot(store));
  CHECK(readAll(dir / "snapshot").find("sku-old") == std::string::npos);
  CHECK(store.seen("shop", "old"));  // still a duplicate if sent again
}

TEST_CASE("searches are applied once but kept out of the history, which holds interactions") {
  // A history of 3: two searches between the interactions push none out.
  ProfileStore store(100, 3);
  const int64_t t = nowMs();
  for (const auto& e : {event("u1", "a", t), event("u1", "q1", t + 1, EventKind::kSearch),
                        event("u1", "b", t + 2), event("u1", "q2", t + 3, EventKind::kSearch),
                        event("u1", "c", t + 4, EventKind::kPurchase)}) {
    CHECK(store.add(e.storefront, e.user, e.event_id, e.event));
  }
  const auto h = store.history("shop", "u1");
  REQUIRE(h.size() == 3);
  CHECK(h[0].item_id == "sku-a");
  CHECK(h[1].item_id == "sku-b");
  CHECK(h[2].item_id == "sku-c");
  CHECK(store.seen("shop", "q1"));
  const auto again = event("u1", "q1", t + 5, EventKind::kSearch);
  CHECK_FALSE(store.add(again.storefront, again.user, again.event_id, again.event));
}

TEST_CASE("a record with a valid checksum that is not a record is an error, not silence") {
  const auto dir = freshDir("unknown");
  std::filesystem::create_directories(dir);
  {
    std::ofstream out(dir / "snapshot", std::ios::binary);
    const std::string json = R"({"op":"teleport"})";
    uint64_t h = 14695981039346656037ull;
    for (unsigned char c : json) {
      h ^= c;
      h *= 1099511628211ull;
    }
    char sum[17];
    std::snprintf(sum, sizeof sum, "%016llx", static_cast<unsigned long long>(h));
    out << sum << ' ' << json << '\n';
  }
  ProfileStore store;
  auto log = EventLog::open(dir, store);
  REQUIRE_FALSE(log);
  CHECK_THAT(log.error(), Catch::Contains("snapshot") && Catch::Contains("not a record"));
}
