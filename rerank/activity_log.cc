#include "rerank/activity_log.h"

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>

#include "scoring/data/event_io.h"

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
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  gmtime_r(&now, &utc);
  char day[16];
  std::strftime(day, sizeof day, "%Y-%m-%d", &utc);

  std::lock_guard lock(mu_);
  Open& open = files_[storefront];
  if (!open.file || open.day != day) {
    if (open.file) std::fclose(open.file);
    open.file = nullptr;
    const auto folder = std::filesystem::path(dir_) / storefront;
    std::error_code ec;
    std::filesystem::create_directories(folder, ec);
    const auto path = folder / ("activity-" + std::string(day) + ".jsonl");
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

std::size_t ActivityLog::errors() const {
  std::lock_guard lock(mu_);
  return errors_;
}

}  // namespace rr::rerank
