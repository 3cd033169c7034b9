#include "scoring/pipeline/online_eval.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "connectors/json_writer.h"
#include "scoring/data/event_io.h"
#include "scoring/data/impressions.h"

namespace rr::scoring::pipeline {
namespace {

namespace fs = std::filesystem;

int fail(const std::string& message) {
  std::cerr << "rerank-eval: " << message << "\n";
  return 2;
}

std::string fixed(double v, int digits = 3) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

}  // namespace

int runOnlineEval(const CliArgs& args) {
  auto log = args.require("log");
  if (!log) return fail(log.error() + " (with --online)");
  int64_t since = INT64_MIN, until = INT64_MAX;
  if (auto s = args.get("since")) {
    auto d = parseDate(*s);
    if (!d) return fail("--since: " + d.error());
    since = *d;
  }
  if (auto u = args.get("until")) {
    auto d = parseDate(*u);
    if (!d) return fail("--until: " + d.error());
    until = *d;
  }
  auto window_min = args.integer("click-window-min", 30);
  if (!window_min) return fail(window_min.error());
  if (*window_min < 1 || *window_min > 1440) return fail("--click-window-min: must be 1..1440");

  std::vector<std::string> files;
  std::error_code ec;
  if (fs::is_directory(*log, ec)) {
    for (const auto& entry : fs::recursive_directory_iterator(*log, ec)) {
      if (entry.is_regular_file() && entry.path().extension() == ".jsonl") {
        files.push_back(entry.path().string());
      }
    }
    std::sort(files.begin(), files.end());
    if (files.empty()) return fail("--log: no .jsonl files under " + *log);
  } else if (fs::is_regular_file(*log, ec)) {
    files.push_back(*log);
  } else {
    return fail("--log: no such file or directory: " + *log);
  }
  std::vector<data::Event> events;
  for (const auto& f : files) {
    auto read = data::streamEvents(f, [&](data::Event&& e) {
      if (e.ts_ms >= since && e.ts_ms < until) events.push_back(std::move(e));
    });
    if (!read) return fail(read.error().toString());
  }
  const std::size_t joined = data::joinClicksToImpressions(events, *window_min * 60'000);
  const auto buckets = data::onlineMetrics(events);

  std::string md = "# Online evaluation\n\n";
  md += "Log: " + *log + " (" + std::to_string(files.size()) + " files, " +
        std::to_string(events.size()) + " events); " + std::to_string(joined) +
        " clicks joined to served searches (request id, else the user's next click on a shown "
        "item within " +
        std::to_string(*window_min) + " min).\n\n";
  md += "| bucket | served searches | with a click | CTR [95% CI] | MRR of clicks [95% CI] |\n";
  md += "| --- | --- | --- | --- | --- |\n";
  std::string json = "{\"log\":" + connectors::jsonString(*log) + ",\"files\":" + std::to_string(files.size()) +
                     ",\"events\":" + std::to_string(events.size()) +
                     ",\"joined_clicks\":" + std::to_string(joined) + ",\"buckets\":{";
  bool first = true;
  for (const auto& [bucket, m] : buckets) {
    const std::string name = bucket.empty() ? "(no A/B split)" : bucket;
    md += "| " + name + " | " + std::to_string(m.served) + " | " + std::to_string(m.clicked) +
          " | " + fixed(m.ctr) + " [" + fixed(m.ctr_lo) + ", " + fixed(m.ctr_hi) + "] | " +
          fixed(m.mrr) + " [" + fixed(m.mrr_lo) + ", " + fixed(m.mrr_hi) + "] |\n";
    if (!first) json += ',';
    first = false;
    json += connectors::jsonString(bucket) + ":{\"served\":" + std::to_string(m.served) +
            ",\"clicked\":" + std::to_string(m.clicked) + ",\"ctr\":" + fixed(m.ctr, 6) +
            ",\"ctr_ci\":[" + fixed(m.ctr_lo, 6) + "," + fixed(m.ctr_hi, 6) +
            "],\"mrr\":" + fixed(m.mrr, 6) + ",\"mrr_ci\":[" + fixed(m.mrr_lo, 6) + "," +
            fixed(m.mrr_hi, 6) + "]}";
  }
  json += "}";
  const auto t = buckets.find("treatment");
  const auto c = buckets.find("control");
  if (t != buckets.end() && c != buckets.end()) {
    const double dctr = t->second.ctr - c->second.ctr, dmrr = t->second.mrr - c->second.mrr;
    md += "\nTreatment minus control: CTR " + fixed(dctr) + ", MRR " + fixed(dmrr) +
          (c->second.mrr > 0 ? " (" + fixed(100 * dmrr / c->second.mrr, 1) + "%)" : "") + ".\n";
    json += ",\"treatment_minus_control\":{\"ctr\":" + fixed(dctr, 6) + ",\"mrr\":" +
            fixed(dmrr, 6) + "}";
  }
  json += "}\n";
  std::cout << md;
  if (auto report = args.get("report")) {
    fs::create_directories(*report, ec);
    std::ofstream out_md(fs::path(*report) / "online.md");
    std::ofstream out_json(fs::path(*report) / "online.json");
    out_md << md;
    out_json << json;
    if (!out_md || !out_json) return fail("--report: cannot write to " + *report);
  }
  return 0;
}

}  // namespace rr::scoring::pipeline
