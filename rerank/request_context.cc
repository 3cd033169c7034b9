#include "rerank/request_context.h"

#include <simdjson.h>

#include <charconv>

#include "index_sync/vector_fields.h"

namespace rr::rerank {
namespace {

namespace dom = simdjson::dom;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool isMatchFamily(std::string_view key) {
  return key == "match" || key == "match_phrase" || key == "match_phrase_prefix" ||
         key == "match_bool_prefix";
}

void collect(dom::element e, std::string& out, int depth) {
  if (depth > 64) return;
  if (e.is_object()) {
    for (auto [key, value] : dom::object(e)) {
      if (key == "query" && value.is_string()) {
        if (!out.empty()) out += ' ';
        out += std::string_view(value);
      } else if (isMatchFamily(key) && value.is_object()) {
        for (auto [field, v] : dom::object(value)) {
          (void)field;
          if (v.is_string()) {
            if (!out.empty()) out += ' ';
            out += std::string_view(v);
          } else {
            collect(v, out, depth + 1);
          }
        }
      } else if (key == "term" || key == "terms" || key == "range" || key == "exists" ||
                 key == "filter" || key == "must_not" || key == "ids") {
        continue;  // filters narrow the results; they are not what was typed
      } else {
        collect(value, out, depth + 1);
      }
    }
  } else if (e.is_array()) {
    for (auto v : dom::array(e)) collect(v, out, depth + 1);
  }
}

// Text of a field at a dotted path; strings as is, numbers as written,
// arrays of strings joined.
void fieldText(dom::element obj, std::string_view path, std::string& out) {
  dom::element cur = obj;
  while (true) {
    const auto dot = path.find('.');
    dom::element next;
    if (!cur.is_object() || dom::object(cur).at_key(path.substr(0, dot)).get(next)) return;
    cur = next;
    if (dot == std::string_view::npos) break;
    path.remove_prefix(dot + 1);
  }
  if (cur.is_string()) {
    out += std::string_view(cur);
  } else if (cur.is_number()) {
    out += simdjson::minify(cur);
  } else if (cur.is_array()) {
    for (auto v : dom::array(cur)) {
      if (!v.is_string()) continue;
      if (!out.empty()) out += ' ';
      out += std::string_view(v);
    }
  }
}

}  // namespace

std::string idFromRequest(const Request& request, const config::IdSource& source) {
  using Kind = config::IdSource::Kind;
  if (source.kind == Kind::kHeader) return std::string(trim(request.header(source.name)));
  if (source.kind != Kind::kCookie) return "";
  std::string_view cookies = request.header("Cookie");
  while (!cookies.empty()) {
    const auto semi = cookies.find(';');
    std::string_view pair = trim(cookies.substr(0, semi));
    const auto eq = pair.find('=');
    if (eq != std::string_view::npos && trim(pair.substr(0, eq)) == source.name) {
      std::string_view value = trim(pair.substr(eq + 1));
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
        value = value.substr(1, value.size() - 2);
      }
      return std::string(value);
    }
    if (semi == std::string_view::npos) break;
    cookies.remove_prefix(semi + 1);
  }
  return "";
}

std::string queryText(std::string_view body) {
  if (body.empty()) return "";
  thread_local dom::parser parser;
  dom::element doc;
  if (parser.parse(body.data(), body.size()).get(doc) || !doc.is_object()) return "";
  dom::element query;
  if (dom::object(doc).at_key("query").get(query)) return "";
  std::string out;
  collect(query, out, 0);
  return out;
}

scoring::ItemText hitText(std::string_view id, std::string_view source,
                          const config::FieldMap& fields) {
  scoring::ItemText text;
  readHitText(id, source, fields, /*with_text=*/true, text);
  return text;
}

void readHitText(std::string_view id, std::string_view source, const config::FieldMap& fields,
                 bool with_text, scoring::ItemText& out) {
  out.id.assign(id);
  out.title.clear();
  out.description.clear();
  out.brand.clear();
  out.category.clear();
  out.price.reset();
  if (source.empty()) return;
  thread_local dom::parser parser;
  dom::element doc;
  if (parser.parse(source.data(), source.size()).get(doc) || !doc.is_object()) return;
  if (fields.id != "_id") {
    thread_local std::string sid;
    sid.clear();
    fieldText(doc, fields.id, sid);
    if (!sid.empty()) out.id = sid;
  }
  if (with_text && !fields.title.empty()) fieldText(doc, fields.title, out.title);
  if (with_text && !fields.description.empty()) fieldText(doc, fields.description, out.description);
  if (!fields.brand.empty()) fieldText(doc, fields.brand, out.brand);
  if (!fields.category.empty()) fieldText(doc, fields.category, out.category);
  if (!fields.price.empty()) {
    thread_local std::string p;
    p.clear();
    fieldText(doc, fields.price, p);
    double v = 0;
    if (!p.empty() && std::from_chars(p.data(), p.data() + p.size(), v).ec == std::errc()) {
      out.price = v;
    }
  }
}

std::array<std::string_view, connectors::kMaxSourceKeys> hitSourceKeys(
    const config::FieldMap& fields) {
  // Slots: 0 the id field, 1 brand, 2 category, 3 price.
  std::array<std::string_view, connectors::kMaxSourceKeys> keys{};
  if (fields.id != "_id") keys[0] = fields.id;
  keys[1] = fields.brand;
  keys[2] = fields.category;
  keys[3] = fields.price;
  for (std::string_view k : keys) {
    if (k.find('.') != std::string_view::npos) return {};
  }
  return keys;
}

void readHitText(const connectors::Hit& hit, const config::FieldMap& fields, bool with_text,
                 scoring::ItemText& out) {
  using Kind = connectors::Hit::SourceKind;
  const auto& values = hit.source_values;
  const auto& kinds = hit.source_kinds;
  // Text as fieldText writes it: a string, or an integer's digits; any other
  // number is re-written by the DOM, so that hit takes the DOM path.
  const auto textual = [&](std::size_t j) { return kinds[j] != Kind::kNumber; };
  if (!with_text && fields.id == "_id" && fields.brand.empty() && fields.category.empty() &&
      fields.price.empty()) {
    readHitText(hit.id, {}, fields, false, out);  // nothing to read in `_source`
    return;
  }
  if (with_text || !hit.source_read || hit.source.empty() || !textual(0) || !textual(1) ||
      !textual(2)) {
    readHitText(hit.id, hit.source, fields, with_text, out);
    return;
  }
  out.id.assign(fields.id != "_id" && !values[0].empty() ? values[0] : hit.id);
  out.title.clear();
  out.description.clear();
  out.brand.assign(values[1]);
  out.category.assign(values[2]);
  out.price.reset();
  double v = 0;
  const std::string_view p = values[3];  // empty unless a string or a number
  if (!p.empty() && std::from_chars(p.data(), p.data() + p.size(), v).ec == std::errc()) {
    out.price = v;
  }
}

// The engine writes `fields`, and a JSON string cannot hold the key's quoted
// form unescaped, so a plain search finds the member; base64 holds no
// escapes. Once per candidate, so no JSON parser.
bool hitVector(std::string_view fields_json, std::string_view key, std::vector<float>& out) {
  out.clear();
  std::size_t at = 0;
  while ((at = fields_json.find(key, at)) != std::string_view::npos) {
    std::size_t i = at + key.size();
    auto skipSpace = [&] {
      while (i < fields_json.size() && (fields_json[i] == ' ' || fields_json[i] == '\n' ||
                                        fields_json[i] == '\t' || fields_json[i] == '\r')) {
        ++i;
      }
    };
    auto expect = [&](char c) {
      skipSpace();
      if (i >= fields_json.size() || fields_json[i] != c) return false;
      ++i;
      return true;
    };
    if (!expect(':')) {  // the text matched a value, not a key
      at += key.size();
      continue;
    }
    if (!expect('[') || !expect('"')) return false;
    const std::size_t end = fields_json.find('"', i);
    if (end == std::string_view::npos) return false;
    return index_sync::decodeVector(fields_json.substr(i, end - i), out);
  }
  return false;
}

}  // namespace rr::rerank
