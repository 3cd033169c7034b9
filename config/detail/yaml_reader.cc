#include "config/detail/yaml_reader.h"

#include <algorithm>
#include <charconv>
#include <utility>
#include <vector>

namespace rr::config::detail {
namespace {

// Quoted scalars carry the tag "!"; plain ones "?" (or an explicit tag).
bool isQuoted(const YAML::Node& node) { return node.Tag() == "!"; }

std::size_t editDistance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string unknownKeyMessage(std::string_view key, std::initializer_list<Reader::Key> keys) {
  std::string_view best;
  std::size_t bestDistance = 3;  // suggest only close misspellings
  for (const Reader::Key& k : keys) {
    const std::size_t d = editDistance(key, k.name);
    if (d < bestDistance && d < k.name.size()) {
      best = k.name;
      bestDistance = d;
    }
  }
  if (!best.empty()) return "unknown key; did you mean '" + std::string(best) + "'?";
  std::string message = "unknown key; expected one of: ";
  bool first = true;
  for (const Reader::Key& k : keys) {
    if (!first) message += ", ";
    message += k.name;
    first = false;
  }
  return message;
}

std::string rangeText(int64_t lo, int64_t hi) {
  return std::to_string(lo) + ".." + std::to_string(hi);
}

}  // namespace

std::string childPath(std::string_view parent, std::string_view key) {
  std::string path(parent);
  if (!path.empty()) path += '.';
  path += key;
  return path;
}

int lineOf(const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  return mark.line >= 0 ? mark.line + 1 : 0;
}

std::string describeNode(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Scalar: {
      constexpr std::size_t kMax = 60;
      std::string text = node.Scalar();
      if (text.size() > kMax) text = text.substr(0, kMax) + "...";
      return isQuoted(node) ? "the quoted string '" + text + "'" : "'" + text + "'";
    }
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      break;
  }
  return "nothing";
}

bool Reader::fail(const Field& field, std::string message) {
  return fail(field.path, field.line, std::move(message));
}

bool Reader::fail(std::string path, int line, std::string message) {
  if (!error_) {
    ConfigError e;
    e.field = std::move(path);
    e.message = std::move(message);
    e.line = line;
    error_ = std::move(e);
  }
  return false;
}

bool Reader::readMap(const Field& field, std::initializer_list<Key> keys) {
  if (field.node.IsNull()) return true;
  if (!field.node.IsMap()) {
    return fail(field, "expected a mapping, got " + describeNode(field.node));
  }
  std::vector<std::pair<std::string, int>> seen;
  for (const auto& entry : field.node) {
    const YAML::Node& keyNode = entry.first;
    const int keyLine = lineOf(keyNode);
    if (!keyNode.IsScalar()) {
      return fail(field.path, keyLine, "keys must be plain names, got " + describeNode(keyNode));
    }
    const std::string& name = keyNode.Scalar();
    std::string path = childPath(field.path, name);
    for (const auto& [seenName, seenLine] : seen) {
      if (seenName == name) {
        return fail(std::move(path), keyLine,
                    "duplicate key (first given on line " + std::to_string(seenLine) + ")");
      }
    }
    seen.emplace_back(name, keyLine);
    const auto known =
        std::find_if(keys.begin(), keys.end(), [&](const Key& k) { return k.name == name; });
    if (known == keys.end()) return fail(std::move(path), keyLine, unknownKeyMessage(name, keys));
    const Field child{entry.second, std::move(path),
                      keyLine > 0 ? keyLine : lineOf(entry.second)};
    if (!known->read(child)) return false;
  }
  return true;
}

bool Reader::readList(const Field& field, const ReadFn& item) {
  if (field.node.IsNull()) return true;
  if (!field.node.IsSequence()) {
    return fail(field, "expected a list, got " + describeNode(field.node));
  }
  std::size_t i = 0;
  for (const YAML::Node& element : field.node) {
    const int line = lineOf(element);
    const Field child{element, field.path + "[" + std::to_string(i) + "]",
                      line > 0 ? line : field.line};
    if (!item(child)) return false;
    ++i;
  }
  return true;
}

bool Reader::readString(const Field& field, std::string& out) {
  if (!field.node.IsScalar()) {
    return fail(field, "expected a string, got " + describeNode(field.node));
  }
  out = field.node.Scalar();
  return true;
}

bool Reader::readInt(const Field& field, int64_t lo, int64_t hi, int64_t& out) {
  const std::string expected = "expected an integer";
  if (!field.node.IsScalar() || isQuoted(field.node)) {
    return fail(field, expected + ", got " + describeNode(field.node));
  }
  const std::string& text = field.node.Scalar();
  const char* begin = text.data();
  const char* end = begin + text.size();
  if (begin != end && *begin == '+') ++begin;  // YAML allows "+5"; from_chars does not
  int64_t value = 0;
  const auto [stop, ec] = std::from_chars(begin, end, value);
  if (ec == std::errc::result_out_of_range) {
    return fail(field, "must be " + rangeText(lo, hi) + ", got " + text);
  }
  if (ec != std::errc{} || stop != end || begin == end) {
    return fail(field, expected + ", got " + describeNode(field.node));
  }
  if (value < lo || value > hi) {
    return fail(field, "must be " + rangeText(lo, hi) + ", got " + text);
  }
  out = value;
  return true;
}

bool Reader::readString(const Field& field, std::string& out, bool (*ok)(std::string_view),
                        std::string_view expected) {
  std::string value;
  if (!readString(field, value)) return false;
  if (!ok(value)) return fail(field, std::string(expected) + ", got '" + value + "'");
  out = std::move(value);
  return true;
}

bool Reader::readMillis(const Field& field, int64_t lo, int64_t hi,
                        std::chrono::milliseconds& out) {
  int64_t v = 0;
  if (!readInt(field, lo, hi, v)) return false;
  out = std::chrono::milliseconds(v);
  return true;
}

bool Reader::readSeconds(const Field& field, int64_t lo, int64_t hi, std::chrono::seconds& out) {
  int64_t v = 0;
  if (!readInt(field, lo, hi, v)) return false;
  out = std::chrono::seconds(v);
  return true;
}

bool Reader::readBool(const Field& field, bool& out) {
  if (field.node.IsScalar() && !isQuoted(field.node)) {
    const std::string& text = field.node.Scalar();
    if (text == "true" || text == "True" || text == "TRUE") {
      out = true;
      return true;
    }
    if (text == "false" || text == "False" || text == "FALSE") {
      out = false;
      return true;
    }
  }
  return fail(field, "expected true or false, got " + describeNode(field.node));
}

}  // namespace rr::config::detail
