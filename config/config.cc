// The parse edge: text or file in, Config or ConfigError out. yaml-cpp
// throws; everything it (or the standard library) throws stops here.
#include "config/config.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <sstream>
#include <system_error>
#include <utility>

#include "config/detail/schema.h"
#include "config/detail/yaml_reader.h"

namespace rr::config {
namespace {

std::unexpected<ConfigError> makeError(std::string field, int line, std::string message) {
  ConfigError e;
  e.field = std::move(field);
  e.message = std::move(message);
  e.line = line;
  return std::unexpected(std::move(e));
}

// Where each document starts; nothing else is kept.
struct DocumentStarts final : YAML::EventHandler {
  std::vector<YAML::Mark> marks;
  void OnDocumentStart(const YAML::Mark& mark) override { marks.push_back(mark); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

ConfigResult<std::shared_ptr<const Config>> parseDocument(std::string_view yaml,
                                                          std::string_view base_dir,
                                                          const std::string& source_file) {
  const std::string text(yaml);
  // How many documents, counted before building any: at most two are read.
  // yaml-cpp 0.7 cannot get past some malformed input (a line that starts
  // with ',' at the top level): it reports an empty document there again
  // and again, so YAML::LoadAll never returned and filled the memory.
  {
    std::istringstream in(text);
    YAML::Parser parser(in);
    DocumentStarts starts;
    while (starts.marks.size() < 2 && parser.HandleNextDocument(starts)) {
    }
    if (starts.marks.size() == 2) {
      const YAML::Mark& second = starts.marks[1];
      if (second.pos == starts.marks[0].pos) {
        return makeError("", second.line + 1,
                         "invalid YAML: the parser cannot read past line " +
                             std::to_string(second.line + 1) +
                             " (a line starting with ',' or another stray flow character?)");
      }
      return makeError("", second.line + 1, "expected one YAML document, found more");
    }
  }
  const YAML::Node document = YAML::Load(text);
  if (!document || document.IsNull()) {
    return makeError("", 0, "the config is empty; upstream and storefronts are required");
  }
  auto config = std::make_shared<Config>();
  config->source_file = source_file;
  detail::Reader reader;
  if (!detail::readConfig(reader, document, base_dir, *config)) {
    return std::unexpected(*reader.error());
  }
  return config;
}

ConfigResult<std::shared_ptr<const Config>> parseEdge(std::string_view yaml,
                                                      std::string_view base_dir,
                                                      const std::string& source_file) {
  try {
    return parseDocument(yaml, base_dir, source_file);
  } catch (const YAML::ParserException& e) {
    return makeError("", e.mark.line >= 0 ? e.mark.line + 1 : 0, "invalid YAML: " + e.msg);
  } catch (const YAML::Exception& e) {
    return makeError("", e.mark.line >= 0 ? e.mark.line + 1 : 0,
                     "could not read the YAML: " + e.msg);
  } catch (const std::exception& e) {
    return makeError("", 0, std::string("internal error while reading the config: ") + e.what());
  } catch (...) {
    return makeError("", 0, "internal error while reading the config");
  }
}

}  // namespace

std::string ConfigError::describe() const {
  std::string out = file;
  if (line > 0) {
    out += file.empty() ? "line " : ":";
    out += std::to_string(line);
  }
  if (!out.empty()) out += ": ";
  if (!field.empty()) out += field + ": ";
  out += message;
  return out;
}

const StorefrontConfig* Config::storefront(std::string_view name) const {
  for (const StorefrontConfig& sf : storefronts) {
    if (sf.name == name) return &sf;
  }
  return nullptr;
}

ConfigResult<std::shared_ptr<const Config>> parseConfig(std::string_view yaml,
                                                        std::string_view base_dir) {
  return parseEdge(yaml, base_dir, "");
}

ConfigResult<std::shared_ptr<const Config>> loadConfig(const std::string& path) {
  auto fail = [&](std::string message) {
    ConfigError e;
    e.file = path;
    e.message = std::move(message);
    return std::unexpected(std::move(e));
  };
  try {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) return fail("is a directory, not a config file");
    std::FILE* file = std::fopen(path.c_str(), "rb");
    if (file == nullptr) return fail("cannot open: " + std::generic_category().message(errno));
    std::string text;
    char buffer[16384];
    std::size_t n = 0;
    while ((n = std::fread(buffer, 1, sizeof buffer, file)) > 0) text.append(buffer, n);
    const bool readFailed = std::ferror(file) != 0;
    const int readErrno = errno;
    std::fclose(file);
    if (readFailed) return fail("cannot read: " + std::generic_category().message(readErrno));

    std::filesystem::path absolute = std::filesystem::absolute(path, ec);
    if (ec) absolute = path;
    const std::string baseDir = absolute.parent_path().lexically_normal().string();
    auto parsed = parseEdge(text, baseDir.empty() ? "." : baseDir, path);
    if (!parsed) parsed.error().file = path;
    return parsed;
  } catch (const std::exception& e) {
    return fail(std::string("internal error while loading: ") + e.what());
  } catch (...) {
    return fail("internal error while loading");
  }
}

}  // namespace rr::config
