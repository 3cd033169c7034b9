#include "scoring/pipeline/report.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "connectors/json_writer.h"

namespace rr::scoring::pipeline {
namespace {

using connectors::jsonString;

std::string fmt(double v, int digits = 4) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::expected<void, std::string> writeFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::trunc);
  if (!out) return std::unexpected("cannot write " + path);
  out << data;
  if (!out) return std::unexpected("write failed: " + path);
  return {};
}

std::string intervalJson(const scoring::Interval& i) {
  return "{\"mean\":" + fmt(i.mean, 6) + ",\"low\":" + fmt(i.low, 6) + ",\"high\":" +
         fmt(i.high, 6) + "}";
}

std::string intervalText(const scoring::Interval& i) {
  return fmt(i.mean, 3) + " [" + fmt(i.low, 3) + ", " + fmt(i.high, 3) + "]";
}

std::string factsJson(const RunInfo& info) {
  std::string out = "{";
  for (std::size_t i = 0; i < info.facts.size(); ++i) {
    if (i) out += ",";
    out += jsonString(info.facts[i].first) + ":" + jsonString(info.facts[i].second);
  }
  return out + "}";
}

std::string factsMarkdown(const RunInfo& info) {
  std::string out = "| | |\n|---|---|\n";
  for (const auto& [k, v] : info.facts) out += "| " + k + " | " + v + " |\n";
  return out;
}

// A minimal SVG polyline chart; values are scaled to their own range.
std::string lineChart(const std::string& title, const std::vector<std::string>& names,
                      const std::vector<std::vector<double>>& series) {
  const int w = 640, h = 320, pad = 50;
  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(w) +
                    "\" height=\"" + std::to_string(h) + "\" font-family=\"sans-serif\" font-size=\"12\">\n";
  svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  svg += "<text x=\"" + std::to_string(pad) + "\" y=\"20\" font-size=\"14\">" + title + "</text>\n";
  static const char* kColors[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd"};
  for (std::size_t s = 0; s < series.size(); ++s) {
    const auto& ys = series[s];
    if (ys.empty()) continue;
    auto [lo_it, hi_it] = std::minmax_element(ys.begin(), ys.end());
    double lo = *lo_it, hi = *hi_it;
    if (hi - lo < 1e-12) hi = lo + 1;
    std::string pts;
    for (std::size_t i = 0; i < ys.size(); ++i) {
      double x = pad + (ys.size() == 1 ? 0.0 : static_cast<double>(i) * (w - 2 * pad) / static_cast<double>(ys.size() - 1));
      double y = h - pad - (ys[i] - lo) / (hi - lo) * (h - 2 * pad);
      pts += fmt(x, 1) + "," + fmt(y, 1) + " ";
    }
    svg += "<polyline fill=\"none\" stroke-width=\"2\" stroke=\"" + std::string(kColors[s % 4]) +
           "\" points=\"" + pts + "\"/>\n";
    svg += "<text x=\"" + std::to_string(w - pad - 200) + "\" y=\"" +
           std::to_string(40 + 16 * static_cast<int>(s)) + "\" fill=\"" + kColors[s % 4] + "\">" +
           names[s] + " (" + fmt(lo, 3) + " .. " + fmt(*hi_it, 3) + ")</text>\n";
  }
  svg += "<line x1=\"" + std::to_string(pad) + "\" y1=\"" + std::to_string(h - pad) + "\" x2=\"" +
         std::to_string(w - pad) + "\" y2=\"" + std::to_string(h - pad) + "\" stroke=\"black\"/>\n";
  svg += "<text x=\"" + std::to_string(w / 2) + "\" y=\"" + std::to_string(h - 15) + "\">epoch</text>\n";
  return svg + "</svg>\n";
}

std::string barChart(const EvalResult& r) {
  const int w = 640, h = 320, pad = 60;
  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(w) +
                    "\" height=\"" + std::to_string(h) + "\" font-family=\"sans-serif\" font-size=\"12\">\n";
  svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  svg += "<text x=\"" + std::to_string(pad) + "\" y=\"20\" font-size=\"14\">NDCG@10 with 95% bootstrap intervals</text>\n";
  const int n = static_cast<int>(std::size(kSystems));
  const double slot = static_cast<double>(w - 2 * pad) / n;
  int i = 0;
  for (System s : kSystems) {
    const auto& m = r.summary.at(s).at("all").ndcg10;
    auto y = [&](double v) { return h - pad - v * (h - 2 * pad); };
    const double x = pad + slot * i + slot * 0.2;
    svg += "<rect x=\"" + fmt(x, 1) + "\" y=\"" + fmt(y(m.mean), 1) + "\" width=\"" +
           fmt(slot * 0.6, 1) + "\" height=\"" + fmt(y(0) - y(m.mean), 1) + "\" fill=\"#1f77b4\"/>\n";
    svg += "<line x1=\"" + fmt(x + slot * 0.3, 1) + "\" x2=\"" + fmt(x + slot * 0.3, 1) +
           "\" y1=\"" + fmt(y(m.low), 1) + "\" y2=\"" + fmt(y(m.high), 1) +
           "\" stroke=\"black\" stroke-width=\"2\"/>\n";
    svg += "<text x=\"" + fmt(x, 1) + "\" y=\"" + fmt(y(m.mean) - 6, 1) + "\">" + fmt(m.mean, 3) + "</text>\n";
    svg += "<text x=\"" + fmt(x, 1) + "\" y=\"" + std::to_string(h - pad + 16) + "\">" +
           std::string(systemName(s)) + "</text>\n";
    ++i;
  }
  return svg + "</svg>\n";
}

}  // namespace

std::expected<void, std::string> writeTrainingReport(const std::string& dir,
                                                     const RunInfo& info,
                                                     const std::vector<EpochRecord>& epochs,
                                                     int best_epoch) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  std::string json = "{\"title\":" + jsonString(info.title) + ",\"facts\":" + factsJson(info) +
                     ",\"best_epoch\":" + std::to_string(best_epoch) + ",\"epochs\":[";
  std::string md = "# Training: " + info.title + "\n\n" + factsMarkdown(info) +
                   "\n| epoch | examples | train loss | valid NDCG@10 | seconds |\n|---|---|---|---|---|\n";
  std::vector<double> loss, ndcg;
  for (std::size_t i = 0; i < epochs.size(); ++i) {
    const auto& e = epochs[i];
    if (i) json += ",";
    json += "{\"epoch\":" + std::to_string(e.epoch) + ",\"examples\":" + std::to_string(e.examples) +
            ",\"train_loss\":" + fmt(e.train_loss, 6) + ",\"valid_ndcg10\":" +
            fmt(e.valid_ndcg10, 6) + ",\"seconds\":" + fmt(e.seconds, 2) + "}";
    md += "| " + std::to_string(e.epoch) + (e.epoch == best_epoch ? " (best)" : "") + " | " +
          std::to_string(e.examples) + " | " + fmt(e.train_loss) + " | " + fmt(e.valid_ndcg10) +
          " | " + fmt(e.seconds, 1) + " |\n";
    loss.push_back(e.train_loss);
    ndcg.push_back(e.valid_ndcg10);
  }
  json += "]}\n";
  md += "\n![learning curve](learning_curve.svg)\n";
  if (auto r = writeFile(dir + "/training.json", json); !r) return r;
  if (auto r = writeFile(dir + "/training.md", md); !r) return r;
  return writeFile(dir + "/learning_curve.svg",
                   lineChart("Learning curve", {"train loss", "valid NDCG@10"}, {loss, ndcg}));
}

std::string evaluationMarkdown(const RunInfo& info, const EvalResult& r) {
  std::string md = "# Evaluation: " + info.title + "\n\n" + factsMarkdown(info) + "\n";
  for (const char* subset : {"all", "with_history"}) {
    md += std::string("## ") + (std::string(subset) == "all" ? "All searches" : "Users with earlier events") +
          " (n = " + std::to_string(std::string(subset) == "all" ? r.queries.size() : r.with_history) +
          ")\n\n| system | NDCG@10 | MRR@10 | Recall@10 | Recall@" + std::to_string(r.window) +
          " |\n|---|---|---|---|---|\n";
    for (System s : kSystems) {
      const auto& m = r.summary.at(s).at(subset);
      md += "| " + std::string(systemName(s)) + " | " + intervalText(m.ndcg10) + " | " +
            intervalText(m.mrr10) + " | " + intervalText(m.recall10) + " | " +
            intervalText(m.recall_window) + " |\n";
    }
    md += "\n";
  }
  const double engine = r.summary.at(System::kEngine).at("all").ndcg10.mean;
  const double model = r.summary.at(System::kModel).at("all").ndcg10.mean;
  md += "Model vs engine, NDCG@10: " + fmt(model, 3) + " vs " + fmt(engine, 3) + " (" +
        (engine > 0 ? fmt(100.0 * (model / engine - 1.0), 1) : std::string("n/a")) +
        "%), paired difference " + intervalText(r.model_vs_engine) + ".\n";
  md += "Model vs model without history, users with history: difference " +
        intervalText(r.model_vs_no_history_with_history) + ".\n";
  return md;
}

std::expected<void, std::string> writeEvaluationReport(const std::string& dir,
                                                       const RunInfo& info,
                                                       const EvalResult& r) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  std::string json = "{\"title\":" + jsonString(info.title) + ",\"facts\":" + factsJson(info) +
                     ",\"queries\":" + std::to_string(r.queries.size()) + ",\"with_history\":" +
                     std::to_string(r.with_history) + ",\"window\":" + std::to_string(r.window) +
                     ",\"systems\":{";
  bool first = true;
  for (System s : kSystems) {
    if (!first) json += ",";
    first = false;
    json += jsonString(systemName(s)) + ":{";
    bool first_subset = true;
    for (const auto& [subset, m] : r.summary.at(s)) {
      if (!first_subset) json += ",";
      first_subset = false;
      json += jsonString(subset) + ":{\"ndcg10\":" + intervalJson(m.ndcg10) + ",\"mrr10\":" +
              intervalJson(m.mrr10) + ",\"recall10\":" + intervalJson(m.recall10) +
              ",\"recall_window\":" + intervalJson(m.recall_window) + "}";
    }
    json += "}";
  }
  json += "},\"model_minus_engine_ndcg10\":" + intervalJson(r.model_vs_engine) +
          ",\"model_minus_no_history_ndcg10_with_history\":" +
          intervalJson(r.model_vs_no_history_with_history) + "}\n";
  if (auto w = writeFile(dir + "/evaluation.json", json); !w) return w;
  if (auto w = writeFile(dir + "/evaluation.md", evaluationMarkdown(info, r) + "\n![NDCG@10](ndcg.svg)\n"); !w) {
    return w;
  }
  return writeFile(dir + "/ndcg.svg", barChart(r));
}

namespace {

// Rows of the replay table: key in ReplayComparison::summary, label.
constexpr std::pair<const char*, const char*> kReplayRows[] = {
    {"offline", "offline (rerank-eval)"},
    {"offline_live_candidates", "offline, the live path's candidates only"},
    {"live", "live (rerankd)"}};

// Text for a markdown table cell: a '|' would end the cell.
std::string cell(std::string_view text) {
  std::string out;
  for (char ch : text) {
    if (ch == '|') out += '\\';
    out += ch == '\n' ? ' ' : ch;
  }
  return out;
}

std::string rankText(int r) { return r < 0 ? "-" : std::to_string(r + 1); }

std::string timeText(int64_t ms) {
  const std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return buf;
}

}  // namespace

std::string replayMarkdown(const RunInfo& info, const ReplayComparison& c) {
  std::string md = "# Live replay: " + info.title + "\n\n" + factsMarkdown(info) + "\n";
  for (const char* subset : {"all", "with_history"}) {
    const bool all = std::string(subset) == "all";
    md += std::string("## ") + (all ? "All searches" : "Users with earlier events") +
          " (n = " + std::to_string(all ? c.queries : c.with_history) +
          ")\n\n| model | NDCG@10 | MRR@10 | Recall@10 |\n|---|---|---|---|\n";
    for (const auto& [key, label] : kReplayRows) {
      const auto& m = c.summary.at(key).at(subset);
      md += std::string("| ") + label + " | " + intervalText(m.ndcg10) + " | " +
            intervalText(m.mrr10) + " | " + intervalText(m.recall10) + " |\n";
    }
    md += "\n";
  }
  md += "Live minus offline, NDCG@10 (paired): " + intervalText(c.live_minus_offline) + ": " +
        (c.agreesWithOffline() ? "**agree** (the interval contains 0)"
                               : "**disagree** (the interval excludes 0)") +
        "; the NDCG@10 intervals " + (c.intervalsOverlap() ? "overlap" : "do not overlap") +
        ".\n";
  md += "Live minus offline on the live path's candidates: " +
        intervalText(c.live_minus_live_candidates) + ": " +
        (c.agreesWithLiveCandidates() ? "agree" : "disagree") + ".\n\n";
  md += "Per search, clicked item at the same top-10 position (or outside it in both): " +
        std::to_string(c.same_rank_as_offline) + " of " + std::to_string(c.queries) +
        " vs offline, " + std::to_string(c.same_rank_as_live_candidates) + " of " +
        std::to_string(c.queries) + " vs offline on the live path's candidates.\n";
  md += "Searches whose clicked item offline reached only as an extra candidate the live path "
        "did not have: " +
        std::to_string(c.target_only_in_missing_extras) + " (" +
        std::to_string(c.empty_windows_ranked_offline) + " of them among the " +
        std::to_string(c.empty_windows) +
        " searches the engine found nothing for and rerankd added no extras to); searches "
        "rerankd added k-NN extra candidates to: " +
        std::to_string(c.live_with_extras) + ", clicked-before extra candidates to: " +
        std::to_string(c.live_with_clicked) + ".\n";
  if (!c.first_disagreements.empty()) {
    md += "\nFirst searches served differently from the offline ranking of the same "
          "candidates (positions 1-based, - = not in the top 10):\n\n"
          "| time | user | query | clicked | offline | offline, live candidates | live | "
          "X-Rerank |\n|---|---|---|---|---|---|---|---|\n";
    for (const auto& d : c.first_disagreements) {
      md += "| " + timeText(d.ts_ms) + " | " + cell(d.user) + " | " + cell(d.query) + " | " +
            cell(d.target) +
            " | " + rankText(d.offline) + " | " + rankText(d.offline_live_candidates) + " | " +
            rankText(d.live) + " | " + d.outcome + " |\n";
    }
  }
  return md;
}

std::expected<void, std::string> writeReplayReport(const std::string& dir, const RunInfo& info,
                                                   const ReplayComparison& c) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  std::string json = "{\"title\":" + jsonString(info.title) + ",\"facts\":" + factsJson(info) +
                     ",\"queries\":" + std::to_string(c.queries) + ",\"with_history\":" +
                     std::to_string(c.with_history) + ",\"page_size\":" +
                     std::to_string(c.page_size) + ",\"systems\":{";
  bool first = true;
  for (const auto& [key, label] : kReplayRows) {
    if (!first) json += ",";
    first = false;
    json += jsonString(key) + ":{";
    bool first_subset = true;
    for (const auto& [subset, m] : c.summary.at(key)) {
      if (!first_subset) json += ",";
      first_subset = false;
      json += jsonString(subset) + ":{\"ndcg10\":" + intervalJson(m.ndcg10) + ",\"mrr10\":" +
              intervalJson(m.mrr10) + ",\"recall10\":" + intervalJson(m.recall10) + "}";
    }
    json += "}";
  }
  json += "},\"live_minus_offline_ndcg10\":" + intervalJson(c.live_minus_offline) +
          ",\"live_minus_offline_live_candidates_ndcg10\":" +
          intervalJson(c.live_minus_live_candidates) +
          ",\"agrees_with_offline\":" + (c.agreesWithOffline() ? "true" : "false") +
          ",\"agrees_with_offline_live_candidates\":" +
          (c.agreesWithLiveCandidates() ? "true" : "false") +
          ",\"intervals_overlap\":" + (c.intervalsOverlap() ? "true" : "false") +
          ",\"same_rank_as_offline\":" + std::to_string(c.same_rank_as_offline) +
          ",\"same_rank_as_offline_live_candidates\":" +
          std::to_string(c.same_rank_as_live_candidates) +
          ",\"target_only_in_missing_extras\":" + std::to_string(c.target_only_in_missing_extras) +
          ",\"empty_windows\":" + std::to_string(c.empty_windows) +
          ",\"empty_windows_ranked_offline\":" + std::to_string(c.empty_windows_ranked_offline) +
          ",\"live_with_extras\":" + std::to_string(c.live_with_extras) +
          ",\"live_with_clicked\":" + std::to_string(c.live_with_clicked) +
          ",\"disagreements\":[";
  for (std::size_t i = 0; i < c.first_disagreements.size(); ++i) {
    const auto& d = c.first_disagreements[i];
    if (i) json += ",";
    json += "{\"ts\":" + std::to_string(d.ts_ms) + ",\"user\":" + jsonString(d.user) +
            ",\"query\":" + jsonString(d.query) + ",\"clicked\":" + jsonString(d.target) +
            ",\"offline_rank\":" + std::to_string(d.offline) +
            ",\"offline_live_candidates_rank\":" + std::to_string(d.offline_live_candidates) +
            ",\"live_rank\":" + std::to_string(d.live) + ",\"x_rerank\":" +
            jsonString(d.outcome) + "}";
  }
  json += "]}\n";
  if (auto w = writeFile(dir + "/replay.json", json); !w) return w;
  return writeFile(dir + "/replay.md", replayMarkdown(info, c));
}

}  // namespace rr::scoring::pipeline
