#include "index_sync/item_reader.h"

#include <simdjson.h>

#include <charconv>

#include "connectors/json_writer.h"

namespace rr::index_sync {
namespace {

namespace od = simdjson::ondemand;

// Walks a dotted path ("attrs.brand") from an object. Missing -> NO_SUCH_FIELD.
simdjson::error_code findPath(od::object obj, std::string_view path, od::value& out) {
  while (true) {
    const auto dot = path.find('.');
    const std::string_view head = path.substr(0, dot);
    od::value v;
    if (auto err = obj.find_field_unordered(head).get(v)) return err;
    if (dot == std::string_view::npos) {
      out = v;
      return simdjson::SUCCESS;
    }
    if (auto err = v.get_object().get(obj)) return err;
    path.remove_prefix(dot + 1);
  }
}

// A text field: a string, a number (as written), or an array of those
// joined with spaces (multi-valued categories). null -> empty.
simdjson::error_code textOf(od::value v, std::string& out) {
  od::json_type type;
  if (auto err = v.type().get(type)) return err;
  switch (type) {
    case od::json_type::string: {
      std::string_view s;
      if (auto err = v.get_string().get(s)) return err;
      out.append(s);
      return simdjson::SUCCESS;
    }
    case od::json_type::number:
    case od::json_type::boolean: {
      std::string_view raw = v.raw_json_token();
      while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\n')) raw.remove_suffix(1);
      out.append(raw);
      return simdjson::SUCCESS;
    }
    case od::json_type::null:
      return simdjson::SUCCESS;
    case od::json_type::array: {
      od::array arr;
      if (auto err = v.get_array().get(arr)) return err;
      for (auto element : arr) {
        od::value e;
        if (auto err = element.get(e)) return err;
        if (!out.empty()) out += ' ';
        if (auto err = textOf(e, out)) return err;
      }
      return simdjson::SUCCESS;
    }
    default:
      return simdjson::INCORRECT_TYPE;
  }
}

// The first element of a doc-value array (`"f":["x"]`), as text.
simdjson::error_code firstDocValue(od::value v, std::string& out) {
  od::array arr;
  if (auto err = v.get_array().get(arr)) return err;
  for (auto element : arr) {
    od::value e;
    if (auto err = element.get(e)) return err;
    return textOf(e, out);
  }
  return simdjson::SUCCESS;
}

}  // namespace

struct ItemReader::Scratch {
  od::parser parser;
  std::string text;
};

ItemReader::ItemReader(ReadPlan plan)
    : plan_(std::move(plan)), scratch_(std::make_unique<Scratch>()) {}
ItemReader::~ItemReader() = default;

std::string ItemReader::sourceFilter() const {
  const auto& f = plan_.fields;
  std::string out = "[";
  bool first = true;
  for (const std::string* name : {&f.id, &f.title, &f.description, &f.brand,
                                  &f.category, &f.price}) {
    if (name->empty() || *name == "_id") continue;
    if (!first) out += ',';
    connectors::appendJsonString(out, *name);
    first = false;
  }
  return out + "]";
}

std::vector<std::string> ItemReader::readFields(const config::FieldMap& f) {
  std::vector<std::string> out;
  for (const std::string* name : {&f.id, &f.title, &f.description, &f.brand, &f.category,
                                  &f.price, &f.updated_at}) {
    if (!name->empty() && *name != "_id") out.push_back(*name);
  }
  return out;
}

std::string ItemReader::docvalueFields() const {
  std::string out = "[";
  connectors::appendJsonString(out, plan_.target_meta);
  for (const std::string* name : {&plan_.carry_vector, &plan_.carry_meta}) {
    if (name->empty()) continue;
    out += ',';
    connectors::appendJsonString(out, *name);
  }
  if (!plan_.fields.updated_at.empty()) {
    out += ",{\"field\":";
    connectors::appendJsonString(out, plan_.fields.updated_at);
    out += ",\"format\":\"epoch_millis\"}";
  }
  return out + "]";
}

std::expected<ScannedItem, std::string> ItemReader::read(const connectors::Hit& hit) {
  ScannedItem item;
  item.doc_id = std::string(hit.id);
  const std::string where = "document " + item.doc_id;
  if (!hit.seq_no || !hit.primary_term) {
    return std::unexpected(where + ": no _seq_no/_primary_term in the hit");
  }
  item.seq_no = *hit.seq_no;
  item.primary_term = *hit.primary_term;

  const auto& f = plan_.fields;
  if (hit.source.empty()) return std::unexpected(where + ": no _source");
  scratch_->text.assign(hit.source);
  scratch_->text.reserve(scratch_->text.size() + simdjson::SIMDJSON_PADDING);
  od::document doc;
  od::object src;
  if (scratch_->parser.iterate(scratch_->text.data(), scratch_->text.size(),
                                 scratch_->text.capacity()).get(doc) ||
      doc.get_object().get(src)) {
    return std::unexpected(where + ": _source is not a JSON object");
  }
  // Each field is looked up from the start of the object (unordered), so
  // the order of the storefront's fields does not matter.
  auto readText = [&](const std::string& name, std::string& out,
                      bool required) -> std::expected<void, std::string> {
    if (name.empty() || name == "_id") return {};
    od::value v;
    const auto err = findPath(src, name, v);
    if (err == simdjson::NO_SUCH_FIELD) {
      if (required) return std::unexpected(where + ": field '" + name + "' is missing");
      return {};
    }
    if (err || textOf(v, out)) {
      return std::unexpected(where + ": field '" + name + "' is not text");
    }
    return {};
  };
  if (f.id == "_id") {
    item.text.id = item.doc_id;
  } else if (auto r = readText(f.id, item.text.id, true); !r) {
    return std::unexpected(r.error());
  }
  for (auto [name, out] : {std::pair{&f.title, &item.text.title},
                           std::pair{&f.description, &item.text.description},
                           std::pair{&f.brand, &item.text.brand},
                           std::pair{&f.category, &item.text.category}}) {
    if (auto r = readText(*name, *out, false); !r) return std::unexpected(r.error());
  }
  if (!f.price.empty()) {
    std::string price;
    if (auto r = readText(f.price, price, false); !r) return std::unexpected(r.error());
    if (!price.empty()) {
      double p = 0;
      const auto [ptr, ec] = std::from_chars(price.data(), price.data() + price.size(), p);
      if (ec != std::errc() || ptr != price.data() + price.size()) {
        return std::unexpected(where + ": field '" + f.price + "' is not a number");
      }
      item.text.price = p;
    }
  }

  if (!hit.fields.empty()) {
    scratch_->text.assign(hit.fields);
    scratch_->text.reserve(scratch_->text.size() + simdjson::SIMDJSON_PADDING);
    od::object fields;
    if (scratch_->parser.iterate(scratch_->text.data(), scratch_->text.size(),
                                 scratch_->text.capacity()).get(doc) ||
        doc.get_object().get(fields)) {
      return std::unexpected(where + ": fields is not a JSON object");
    }
    for (auto field : fields) {
      std::string_view key;
      od::value v;
      if (field.unescaped_key().get(key) || field.value().get(v)) {
        return std::unexpected(where + ": unreadable fields object");
      }
      std::string* out = nullptr;
      std::string updated;
      if (key == plan_.target_meta) {
        out = &item.target_meta;
      } else if (!plan_.carry_vector.empty() && key == plan_.carry_vector) {
        out = &item.carry_vector;
      } else if (!plan_.carry_meta.empty() && key == plan_.carry_meta) {
        out = &item.carry_meta;
      } else if (!f.updated_at.empty() && key == f.updated_at) {
        out = &updated;
      } else {
        continue;
      }
      if (firstDocValue(v, *out)) {
        return std::unexpected(where + ": doc value '" + std::string(key) + "' unreadable");
      }
      if (out == &updated && !updated.empty()) {
        // epoch_millis may come back with a fraction ("1700000000000.0").
        double ms = 0;
        std::from_chars(updated.data(), updated.data() + updated.size(), ms);
        item.updated_at_ms = static_cast<int64_t>(ms);
      }
    }
  }
  return item;
}

}  // namespace rr::index_sync
