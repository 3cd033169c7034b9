#include "rerank/event_log.h"

#include <fcntl.h>
#include <simdjson.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "connectors/json_writer.h"

namespace rr::rerank {
namespace {

using connectors::jsonString;
namespace dom = simdjson::dom;

std::string sysError(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

uint64_t fnv1a(std::string_view s) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

std::string line(const std::string& json) {
  char sum[17];
  std::snprintf(sum, sizeof sum, "%016llx", static_cast<unsigned long long>(fnv1a(json)));
  return std::string(sum) + ' ' + json + '\n';
}

const char* kindName(EventKind k) {
  switch (k) {
    case EventKind::kView: return "view";
    case EventKind::kClick: return "click";
    case EventKind::kCart: return "cart";
    case EventKind::kPurchase: return "purchase";
    case EventKind::kSearch: return "search";
  }
  return "view";
}

std::string eraseRecord(const std::string& storefront, const std::string& user) {
  return "{\"op\":\"erase\",\"sf\":" + jsonString(storefront) + ",\"user\":" + jsonString(user) +
         "}";
}

std::string seenRecord(const std::string& storefront, const std::string& id) {
  return "{\"op\":\"seen\",\"sf\":" + jsonString(storefront) + ",\"id\":" + jsonString(id) + "}";
}

std::string getString(dom::object o, std::string_view key) {
  std::string_view v;
  return o.at_key(key).get(v) ? std::string() : std::string(v);
}

}  // namespace

bool applyRecord(std::string_view json, ProfileStore& store) {
  thread_local dom::parser parser;
  dom::object o;
  if (parser.parse(json.data(), json.size()).get(o)) return false;
  const std::string op = getString(o, "op");
  const std::string sf = getString(o, "sf");
  if (op == "erase") {
    store.erase(sf, getString(o, "user"));
    return true;
  }
  if (op == "seen") {
    store.markSeen(sf, getString(o, "id"));
    return true;
  }
  if (op != "add") return false;
  ProfileEvent e;
  if (!parseEventKind(getString(o, "type"), e.kind)) return false;
  e.item_id = getString(o, "item");
  e.session_id = getString(o, "session");
  int64_t ts = 0;
  if (o.at_key("ts").get(ts)) return false;
  e.ts_ms = ts;
  dom::object text;
  if (!o.at_key("text").get(text)) {
    auto item = std::make_shared<scoring::ItemText>();
    item->id = e.item_id;
    item->title = getString(text, "title");
    item->description = getString(text, "description");
    item->brand = getString(text, "brand");
    item->category = getString(text, "category");
    double price = 0;
    if (!text.at_key("price").get(price)) item->price = price;
    e.item = std::move(item);
  }
  store.add(sf, getString(o, "user"), getString(o, "id"), std::move(e));
  return true;
}

namespace {

// Replays a file's records; returns the byte length of its valid prefix.
std::expected<std::size_t, std::string> replay(const std::string& path, ProfileStore& store,
                                                std::size_t& records) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return 0;  // absent: nothing to replay
  std::stringstream buf;
  buf << in.rdbuf();
  const std::string data = buf.str();
  std::size_t pos = 0;
  while (pos < data.size()) {
    const auto nl = data.find('\n', pos);
    if (nl == std::string::npos) break;  // torn: no newline yet
    const std::string_view rec(data.data() + pos, nl - pos);
    if (rec.size() < 18 || rec[16] != ' ') break;
    const std::string_view json = rec.substr(17);
    char sum[17];
    std::snprintf(sum, sizeof sum, "%016llx", static_cast<unsigned long long>(fnv1a(json)));
    if (rec.substr(0, 16) != std::string_view(sum, 16)) break;
    if (!applyRecord(json, store)) {
      return std::unexpected(path + ": record at byte " + std::to_string(pos) +
                             " has a valid checksum but is not a record this rerankd knows");
    }
    ++records;
    pos = nl + 1;
  }
  return pos;
}

std::expected<void, std::string> syncDir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return std::unexpected(sysError("cannot open", dir));
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return std::unexpected(sysError("cannot sync", dir));
  return {};
}

}  // namespace

std::string eventRecord(const LoggedEvent& e) {
  std::string out = "{\"op\":\"add\",\"sf\":" + jsonString(e.storefront) +
                    ",\"user\":" + jsonString(e.user) + ",\"id\":" + jsonString(e.event_id) +
                    ",\"type\":\"" + kindName(e.event.kind) + "\",\"item\":" +
                    jsonString(e.event.item_id) + ",\"session\":" + jsonString(e.event.session_id) +
                    ",\"ts\":" + std::to_string(e.event.ts_ms);
  if (const auto& t = e.event.item) {
    out += ",\"text\":{\"title\":" + jsonString(t->title) +
           ",\"description\":" + jsonString(t->description) + ",\"brand\":" + jsonString(t->brand) +
           ",\"category\":" + jsonString(t->category);
    if (t->price) {
      char p[40];
      std::snprintf(p, sizeof p, "%.17g", *t->price);
      out += ",\"price\":";
      out += p;
    }
    out += '}';
  }
  out += '}';
  return out;
}

EventLog::EventLog(std::string dir, int lock_fd, int wal_fd)
    : dir_(std::move(dir)), lock_fd_(lock_fd), wal_fd_(wal_fd) {}

EventLog::~EventLog() {
  if (wal_fd_ >= 0) ::close(wal_fd_);
  if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the flock
}

std::expected<std::unique_ptr<EventLog>, std::string> EventLog::open(const std::string& dir,
                                                                     ProfileStore& store,
                                                                     ReplayStats* stats) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return std::unexpected("cannot create " + dir + ": " + ec.message());
  const std::string lock_path = dir + "/lock";
  const int lock_fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd < 0) return std::unexpected(sysError("cannot open", lock_path));
  if (::flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(lock_fd);
    return std::unexpected("profiles directory " + dir +
                           " is in use by another rerankd (each replica needs its own "
                           "profiles.dir, or the shared store)");
  }
  ReplayStats local;
  ReplayStats& st = stats ? *stats : local;
  auto snap = replay(dir + "/snapshot", store, st.snapshot_records);
  if (!snap) {
    ::close(lock_fd);
    return std::unexpected(snap.error());
  }
  const std::string wal_path = dir + "/wal";
  auto valid = replay(wal_path, store, st.wal_records);
  if (!valid) {
    ::close(lock_fd);
    return std::unexpected(valid.error());
  }
  const int wal_fd = ::open(wal_path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (wal_fd < 0) {
    ::close(lock_fd);
    return std::unexpected(sysError("cannot open", wal_path));
  }
  struct stat sb {};
  ::fstat(wal_fd, &sb);
  const auto size = static_cast<std::size_t>(sb.st_size);
  if (size > *valid) {  // a torn tail that was never acknowledged
    st.torn_bytes = size - *valid;
    if (::ftruncate(wal_fd, static_cast<off_t>(*valid)) != 0 || ::fdatasync(wal_fd) != 0) {
      ::close(wal_fd);
      ::close(lock_fd);
      return std::unexpected(sysError("cannot truncate", wal_path));
    }
  }
  ::lseek(wal_fd, static_cast<off_t>(*valid), SEEK_SET);
  std::unique_ptr<EventLog> log(new EventLog(dir, lock_fd, wal_fd));
  log->wal_records_ = st.wal_records;
  return log;
}

std::expected<void, std::string> EventLog::writeAll(const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(wal_fd_, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return std::unexpected(sysError("cannot write", dir_ + "/wal"));
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fdatasync(wal_fd_) != 0) return std::unexpected(sysError("cannot sync", dir_ + "/wal"));
  return {};
}

std::expected<void, std::string> EventLog::append(std::span<const LoggedEvent> events) {
  if (events.empty()) return {};
  std::string text;
  for (const auto& e : events) text += line(eventRecord(e));
  auto r = writeAll(text);
  if (r) wal_records_ += events.size();
  return r;
}

std::expected<void, std::string> EventLog::appendErase(const std::string& storefront,
                                                       const std::string& user) {
  auto r = writeAll(line(eraseRecord(storefront, user)));
  if (r) ++wal_records_;
  return r;
}

std::expected<void, std::string> EventLog::snapshot(const ProfileStore& store) {
  const std::string tmp = dir_ + "/snapshot.tmp";
  {
    std::string text;
    store.forEachSeen([&](const std::string& sf, const std::string& id) {
      text += line(seenRecord(sf, id));
    });
    // Events without their ids: the seen records above already hold them
    // (and an id marked seen would make its own event a duplicate).
    store.forEach([&](const std::string& sf, const std::string& user, const ProfileEvent& e) {
      text += line(eventRecord({sf, user, "", e}));
    });
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return std::unexpected(sysError("cannot create", tmp));
    std::size_t done = 0;
    while (done < text.size()) {
      const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        ::close(fd);
        return std::unexpected(sysError("cannot write", tmp));
      }
      done += static_cast<std::size_t>(n);
    }
    const int rc = ::fsync(fd);
    ::close(fd);
    if (rc != 0) return std::unexpected(sysError("cannot sync", tmp));
  }
  const std::string final_path = dir_ + "/snapshot";
  if (::rename(tmp.c_str(), final_path.c_str()) != 0) {
    return std::unexpected(sysError("cannot rename to", final_path));
  }
  if (auto r = syncDir(dir_); !r) return r;
  // Only now may the WAL go: everything in it is in the snapshot.
  if (::ftruncate(wal_fd_, 0) != 0 || ::lseek(wal_fd_, 0, SEEK_SET) != 0 ||
      ::fdatasync(wal_fd_) != 0) {
    return std::unexpected(sysError("cannot empty", dir_ + "/wal"));
  }
  wal_records_ = 0;
  return {};
}

}  // namespace rr::rerank
