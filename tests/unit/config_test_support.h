// Helpers shared by the config/ tests: a config assembled section by
// section from valid defaults, checks that a config is refused naming the
// field or accepted, and a temporary directory for file-based cases.
#pragma once

#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"

namespace rr::config::test {

namespace fs = std::filesystem;

const std::string kExamples = std::string(RR_SOURCE_DIR) + "/config/examples";

inline std::string indent(std::string_view lines, std::string_view prefix) {
  std::string out;
  std::size_t start = 0;
  while (start < lines.size()) {
    std::size_t end = lines.find('\n', start);
    if (end == std::string_view::npos) end = lines.size();
    out += prefix;
    out += lines.substr(start, end - start);
    out += '\n';
    start = end + 1;
  }
  return out;
}

// A config assembled from the lines of each section; the defaults make a
// valid one, so a case changes exactly what it is about.
struct Parts {
  std::string listen;
  std::string upstream = "url: http://127.0.0.1:9200\n";
  std::string admin;
  std::string storefront = "name: demo\nindices: [products]\nmodel: models/demo.rrm\n";
  std::string more;  // appended to storefronts[0]
  std::string after;  // raw text after the first storefront (e.g. a second one)
};

inline std::string yamlOf(const Parts& p) {
  std::string y;
  if (!p.listen.empty()) y += "listen:\n" + indent(p.listen, "  ");
  y += "upstream:\n" + indent(p.upstream, "  ");
  if (!p.admin.empty()) y += "admin:\n" + indent(p.admin, "  ");
  std::string sf = indent(p.storefront + p.more, "    ");
  sf.replace(0, 4, "  - ");
  return y + "storefronts:\n" + sf + p.after;
}

inline std::string listenWith(std::string lines) { return yamlOf({.listen = std::move(lines)}); }
inline std::string upstreamWith(std::string lines) {
  return yamlOf({.upstream = "url: http://127.0.0.1:9200\n" + lines});
}
inline std::string adminWith(std::string lines) { return yamlOf({.admin = std::move(lines)}); }
inline std::string storefrontWith(std::string lines) { return yamlOf({.more = std::move(lines)}); }
inline std::string storefrontOnly(std::string lines) { return yamlOf({.storefront = std::move(lines)}); }

struct Rejected {
  std::string yaml;
  std::string field;    // the exact YAML path reported
  std::string message;  // a part of the message that identifies the rule
};

inline void checkRejected(const std::vector<Rejected>& cases) {
  for (const Rejected& c : cases) {
    INFO("config:\n" << c.yaml);
    const auto result = parseConfig(c.yaml, "/srv/rerank");
    CHECK_FALSE(result.has_value());
    if (result) continue;
    INFO("error: " << result.error().describe());
    CHECK(result.error().field == c.field);
    CHECK_THAT(result.error().message, Catch::Contains(c.message));
  }
}

inline void checkAccepted(const std::vector<std::string>& cases) {
  for (const std::string& yaml : cases) {
    INFO("config:\n" << yaml);
    const auto result = parseConfig(yaml, "/srv/rerank");
    INFO((result ? std::string() : result.error().describe()));
    CHECK(result.has_value());
  }
}

inline std::shared_ptr<const Config> mustParse(const std::string& yaml, std::string_view base = ".") {
  auto result = parseConfig(yaml, base);
  INFO((result ? std::string() : result.error().describe()));
  REQUIRE(result.has_value());
  return *result;
}

// A directory of its own under the temp dir, removed at the end of the test.
struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() /
           ("rr_config_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter()++));
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string write(const std::string& name, const std::string& text) const {
    const fs::path file = path / name;
    std::ofstream(file) << text;
    return file.string();
  }
  static int& counter() {
    static int n = 0;
    return n;
  }
};

inline bool sameRules(const std::vector<ApiRule>& a, const std::vector<ApiRule>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].method != b[i].method || a[i].path != b[i].path) return false;
  }
  return true;
}

}  // namespace rr::config::test
