#include "rerank/activity_log.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <vector>

#include "scoring/data/event_io.h"
#include "scoring/data/timestamp.h"

namespace rr::rerank {

ActivityLog::ActivityLog(std::string dir) : dir_(std::move(dir)) {}

ActivityLog::~ActivityLog() {
  for (auto& [sf, open] : files_) {
    if (open.file) std::fclose(open.file);
  }
}

void ActivityLog::record(const std::string& storefront, const scoring::data::Event& event) {
  std::string line;
  scoring::data::writeEventLine(line, event);
  line += '\n';
  const std::string day = dayOf(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());

  std::lock_guard lock(mu_);
  Open& open = files_[storefront];
  if (!open.file || open.day != day) {
    if (open.file) std::fclose(open.file);
    open.file = nullptr;
    const auto folder = std::filesystem::path(dir_) / storefront;
    std::error_code ec;
    std::filesystem::create_directories(folder, ec);
    const auto path = folder / ("activity-" + day + ".jsonl");
    open.file = std::fopen(path.c_str(), "a");
    open.day = day;
  }
  if (!open.file || std::fwrite(line.data(), 1, line.size(), open.file) != line.size() ||
      std::fflush(open.file) != 0) {
    ++errors_;
  }
}

bool ActivityLog::eraseUser(const std::string& storefront, const std::string& user,
                            std::string& error) {
  std::lock_guard lock(mu_);
  if (auto it = files_.find(storefront); it != files_.end() && it->second.file) {
    std::fclose(it->second.file);  // reopened (appending) by the next record
    files_.erase(it);
  }
  const auto folder = std::filesystem::path(dir_) / storefront;
  std::error_code ec;
  if (!std::filesystem::is_directory(folder, ec)) return true;
  for (const auto& entry : std::filesystem::directory_iterator(folder, ec)) {
    if (entry.path().extension() != ".jsonl") continue;
    std::ifstream in(entry.path());
    const auto tmp = entry.path().string() + ".tmp";
    std::ofstream out(tmp, std::ios::trunc);
    std::string line;
    while (std::getline(in, line)) {
      auto e = scoring::data::parseEventLine(line);
      if (e && e->user == user) continue;
      out << line << '\n';
    }
    out.close();
    if (!out || std::rename(tmp.c_str(), entry.path().c_str()) != 0) {
      error = "cannot rewrite " + entry.path().string();
      return false;
    }
  }
  return true;
}

std::string ActivityLog::dayOf(int64_t epoch_ms) {
  return scoring::data::formatUtcTimestamp(epoch_ms).substr(0, 10);  // YYYY-MM-DD
}

ActivityLog::Replayed ActivityLog::replay(
    const std::string& storefront, const std::string& from_day,
    const std::function<void(const scoring::data::Event&)>& f) const {
  Replayed out;
  // Under the lock: no line is read half written.
  std::lock_guard lock(mu_);
  const auto folder = std::filesystem::path(dir_) / storefront;
  std::error_code ec;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(folder, ec)) {
    const std::string name = entry.path().filename().string();
    // activity-YYYY-MM-DD.jsonl: the day sorts as text.
    if (name.size() != 25 || !name.starts_with("activity-") || !name.ends_with(".jsonl")) continue;
    if (name.substr(9, 10) >= from_day) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& path : files) {
    std::ifstream in(path);
    ++out.files;
    for (std::string line; std::getline(in, line);) {
      if (line.empty()) continue;
      auto event = scoring::data::parseEventLine(line);
      if (!event) {
        ++out.skipped;
        continue;
      }
      ++out.events;
      f(*event);
    }
  }
  return out;
}

std::size_t ActivityLog::errors() const {
  std::lock_guard lock(mu_);
  return errors_;
}

}  // namespace rr::rerank
