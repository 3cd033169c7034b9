#include "scoring/model_file.h"

#include <algorithm>
#include <charconv>
#include <climits>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

namespace rr::scoring {
namespace {

constexpr std::string_view kMagic = "RRMODEL";
constexpr int kFormatVersion = 6;
// Version 3 files (no query click lists) still load, with no lists,
// version 4 (no query texts) with no similar queries, and version 5 with
// no transitions; a file whose feature schema differs from this build's is
// refused anyway.
constexpr int kOldestReadable = 3;

uint64_t fnv1a(std::string_view data) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : data) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

std::string hex16(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

// Header values are single lines.
std::string oneLine(std::string s) {
  for (char& c : s) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return s;
}

template <class T>
void put(std::string& out, T v) {
  char buf[sizeof(T)];
  std::memcpy(buf, &v, sizeof(T));
  out.append(buf, sizeof(T));
}

// Length-prefixed bytes (ids and queries).
void putString(std::string& out, const std::string& s) {
  put<uint32_t>(out, static_cast<uint32_t>(s.size()));
  out += s;
}

// Sorted by query: the same model always gives the same file.
void putQueryClicks(std::string& out, const Model::QueryClicks& lists) {
  std::vector<const Model::QueryClicks::value_type*> sorted;
  sorted.reserve(lists.size());
  for (const auto& entry : lists) sorted.push_back(&entry);
  std::sort(sorted.begin(), sorted.end(),
            [](const auto* a, const auto* b) { return a->first < b->first; });
  put<uint64_t>(out, sorted.size());
  for (const auto* entry : sorted) {
    putString(out, entry->first);
    put<uint32_t>(out, static_cast<uint32_t>(entry->second.size()));
    for (const auto& id : entry->second) putString(out, id);
  }
}

void putMatrix(std::string& out, const Matrix& m) {
  put<uint64_t>(out, static_cast<uint64_t>(m.rows()));
  put<uint64_t>(out, static_cast<uint64_t>(m.cols()));
  out.append(reinterpret_cast<const char*>(m.data()),
             static_cast<std::size_t>(m.size()) * sizeof(float));
}

class Reader {
 public:
  Reader(std::string_view data, std::string path) : data_(data), path_(std::move(path)) {}

  template <class T>
  bool get(T& v) {
    if (pos_ + sizeof(T) > data_.size()) return false;
    std::memcpy(&v, data_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return true;
  }

  bool bytes(std::size_t n, std::string& out) {
    if (pos_ + n > data_.size()) return false;
    out.assign(data_.data() + pos_, n);
    pos_ += n;
    return true;
  }

  // What putString wrote.
  bool string(std::string& out) {
    uint32_t len = 0;
    return get(len) && bytes(len, out);
  }

  std::expected<void, ModelFileError> matrix(const char* name, Eigen::Index rows,
                                             Eigen::Index cols, Matrix& m) {
    uint64_t r = 0, c = 0;
    if (!get(r) || !get(c)) return fail(std::string("tensor ") + name + " is cut short");
    if (static_cast<Eigen::Index>(r) != rows || static_cast<Eigen::Index>(c) != cols) {
      return fail(std::string("tensor ") + name + " is " + std::to_string(r) + "x" +
                  std::to_string(c) + ", the header says " + std::to_string(rows) + "x" +
                  std::to_string(cols));
    }
    const std::size_t n = static_cast<std::size_t>(r * c) * sizeof(float);
    if (pos_ + n > data_.size()) return fail(std::string("tensor ") + name + " is cut short");
    m.resize(rows, cols);
    std::memcpy(m.data(), data_.data() + pos_, n);
    pos_ += n;
    return {};
  }

  std::unexpected<ModelFileError> fail(const std::string& what) const {
    return std::unexpected(ModelFileError{"model file " + path_ + ": " + what});
  }

  std::size_t pos() const { return pos_; }

 private:
  std::string_view data_;
  std::string path_;
  std::size_t pos_ = 0;
};

bool toInt(const std::string& s, int64_t& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && p == s.data() + s.size();
}

// The format version of a first line "RRMODEL <n>", if it is one this build
// reads.
std::optional<int> readableVersion(const std::string& first_line) {
  const std::string prefix = std::string(kMagic) + " ";
  int64_t v = 0;
  if (!first_line.starts_with(prefix) || !toInt(first_line.substr(prefix.size()), v) ||
      v < kOldestReadable || v > kFormatVersion) {
    return std::nullopt;
  }
  return static_cast<int>(v);
}

std::expected<Model::QueryClicks, ModelFileError> readQueryClicks(Reader& r) {
  Model::QueryClicks lists;
  uint64_t n = 0;
  if (!r.get(n)) return r.fail("query click lists are cut short");
  for (uint64_t i = 0; i < n; ++i) {
    std::string query;
    uint32_t len = 0;
    if (!r.string(query) || !r.get(len)) return r.fail("query click lists are cut short");
    std::vector<std::string>& ids = lists[std::move(query)];
    for (uint32_t j = 0; j < len; ++j) {
      std::string id;
      if (!r.string(id)) return r.fail("query click lists are cut short");
      ids.push_back(std::move(id));
    }
  }
  return lists;
}

}  // namespace

std::expected<void, ModelFileError> saveModel(const Model& model,
                                              const std::string& path) {
  const ModelDims& d = model.dims();
  const TokenizerSettings& t = model.tokenizer().settings();
  std::string out;
  out += std::string(kMagic) + " " + std::to_string(kFormatVersion) + "\n";
  out += "version=" + oneLine(model.version) + "\n";
  out += "dim=" + std::to_string(d.dim) + "\n";
  out += "hidden1=" + std::to_string(d.hidden1) + "\n";
  out += "hidden2=" + std::to_string(d.hidden2) + "\n";
  out += "brand_buckets=" + std::to_string(d.brand_buckets) + "\n";
  out += "category_buckets=" + std::to_string(d.category_buckets) + "\n";
  out += "id_buckets=" + std::to_string(d.id_buckets) + "\n";
  out += "price_buckets=" + std::to_string(d.price_buckets) + "\n";
  out += "token_buckets=" + std::to_string(t.buckets) + "\n";
  out += "char_trigrams=" + std::to_string(t.char_trigrams ? 1 : 0) + "\n";
  out += "tokenizer_seed=" + std::to_string(t.seed) + "\n";
  out += "features=" + std::string(featureSchema()) + "\n";
  for (const auto& [k, v] : model.summary()) {
    out += "summary." + oneLine(k) + "=" + oneLine(v) + "\n";
  }
  out += "end_header\n";

  const Params& p = model.params();
  for (const Matrix* m : {&p.item_tokens, &p.query_tokens, &p.brands, &p.categories,
                          &p.prices, &p.ids, &p.mlp.w1, &p.mlp.w2}) {
    putMatrix(out, *m);
  }
  putMatrix(out, Matrix(p.mlp.b1));
  putMatrix(out, Matrix(p.mlp.b2));
  putMatrix(out, Matrix(p.mlp.w3.transpose()));
  put<float>(out, p.mlp.b3);

  const ClickStats::Tables& s = model.stats().tables();
  put<double>(out, s.half_life_days);
  put<int64_t>(out, s.anchored ? s.anchor_ms : INT64_MIN);
  put<int64_t>(out, s.latest_ms);
  put<double>(out, s.total);
  put<double>(out, s.max_item);
  put<uint64_t>(out, s.items.size());
  s.items.forEach([&](const std::string& id, const ClickStats::Tables::ItemCount& count) {
    putString(out, id);
    put<uint32_t>(out, count.raw);
    put<double>(out, count.mass);
  });
  for (const auto* table : {&s.pairs, &s.queries, &s.token_pairs, &s.tokens}) {
    put<uint64_t>(out, table->size());
    table->forEach([&](uint64_t key, double m) {
      put<uint64_t>(out, key);
      put<double>(out, m);
    });
  }
  putQueryClicks(out, model.queryClicks());
  put<uint64_t>(out, s.query_texts.size());
  for (const std::string& q : s.query_texts) putString(out, q);
  // Transitions in key order: the same training run writes the same file.
  std::vector<uint64_t> prevs;
  for (const auto& [prev, list] : s.successors) prevs.push_back(prev);
  std::sort(prevs.begin(), prevs.end());
  put<uint64_t>(out, prevs.size());
  for (uint64_t prev : prevs) {
    const ClickStats::Tables::Successors& list = s.successors.at(prev);
    put<uint64_t>(out, prev);
    put<uint64_t>(out, list.size());
    for (const auto& [next, count] : list) {
      put<uint64_t>(out, next);
      put<float>(out, count);
    }
  }
  out += "\nchecksum=" + hex16(fnv1a(out)) + "\n";

  // Write to a temporary and rename: a reader never sees half a file.
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) return std::unexpected(ModelFileError{"cannot write " + tmp});
    f.write(out.data(), static_cast<std::streamsize>(out.size()));
    if (!f) return std::unexpected(ModelFileError{"write failed for " + tmp});
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return std::unexpected(ModelFileError{"cannot rename " + tmp + " to " + path});
  }
  return {};
}

std::expected<std::shared_ptr<const Model>, ModelFileError> loadModel(
    const std::string& path, const ModelExpectations& expect) {
  std::ifstream f(path, std::ios::binary | std::ios::ate);
  if (!f) return std::unexpected(ModelFileError{"model file " + path + ": cannot open"});
  std::string data(static_cast<std::size_t>(f.tellg()), '\0');
  f.seekg(0);
  f.read(data.data(), static_cast<std::streamsize>(data.size()));
  if (!f) return std::unexpected(ModelFileError{"model file " + path + ": read failed"});
  Reader fail_only(data, path);

  // Checksum first: everything after it may trust the bytes.
  const std::string_view marker = "\nchecksum=";
  const auto at = data.rfind(marker);
  if (data.rfind(kMagic, 0) != 0) return fail_only.fail("not a model file (bad magic)");
  if (at == std::string::npos || data.size() < at + marker.size() + 16) {
    return fail_only.fail("no checksum line: the file is truncated");
  }
  const std::string stored = data.substr(at + marker.size(), 16);
  const std::string actual = hex16(fnv1a(std::string_view(data).substr(0, at)));
  if (stored != actual) {
    return fail_only.fail("checksum mismatch (stored " + stored + ", computed " + actual +
                          "): the file is corrupt");
  }
  const std::string_view body = std::string_view(data).substr(0, at);

  // Header.
  std::map<std::string, std::string> header;
  std::vector<std::pair<std::string, std::string>> summary;
  std::size_t pos = 0;
  bool ended = false;
  std::string first_line;
  while (pos < body.size()) {
    auto nl = body.find('\n', pos);
    if (nl == std::string_view::npos) break;
    std::string line(body.substr(pos, nl - pos));
    pos = nl + 1;
    if (first_line.empty()) {
      first_line = line;
      continue;
    }
    if (line == "end_header") {
      ended = true;
      break;
    }
    auto eq = line.find('=');
    if (eq == std::string::npos) return fail_only.fail("bad header line '" + line + "'");
    std::string key = line.substr(0, eq), value = line.substr(eq + 1);
    if (key.rfind("summary.", 0) == 0) {
      summary.emplace_back(key.substr(8), value);
    } else {
      header[key] = value;
    }
  }
  if (!ended) return fail_only.fail("header has no end_header line");
  const std::optional<int> format = readableVersion(first_line);
  if (!format) {
    return fail_only.fail("format '" + first_line + "' is not supported (this build reads " +
                          std::string(kMagic) + " " + std::to_string(kOldestReadable) + " to " +
                          std::to_string(kFormatVersion) + ")");
  }
  auto need = [&](const char* key, int64_t& out) -> std::expected<void, ModelFileError> {
    auto it = header.find(key);
    if (it == header.end()) return fail_only.fail(std::string("header field ") + key + " is missing");
    if (!toInt(it->second, out) || out < 0) {
      return fail_only.fail(std::string("header field ") + key + " is not a number: '" +
                            it->second + "'");
    }
    return {};
  };
  if (header["features"] != featureSchema()) {
    return fail_only.fail("feature schema '" + header["features"] +
                          "' does not match this build's '" + std::string(featureSchema()) + "'");
  }
  int64_t dim, h1, h2, bb, cb, ib, pb, tb, tri, seed;
  for (auto [key, ref] : {std::pair{"dim", &dim}, {"hidden1", &h1}, {"hidden2", &h2},
                          {"brand_buckets", &bb}, {"category_buckets", &cb},
                          {"id_buckets", &ib}, {"price_buckets", &pb},
                          {"token_buckets", &tb}, {"char_trigrams", &tri},
                          {"tokenizer_seed", &seed}}) {
    if (auto r = need(key, *ref); !r) return std::unexpected(r.error());
  }
  if (dim == 0 || tb == 0) return fail_only.fail("dim and token_buckets must be positive");
  if (expect.dim && *expect.dim != dim) {
    return fail_only.fail("dimension " + std::to_string(dim) + " does not match the " +
                          "configured " + std::to_string(*expect.dim));
  }
  ModelDims dims{.dim = static_cast<int>(dim),
                 .hidden1 = static_cast<int>(h1),
                 .hidden2 = static_cast<int>(h2),
                 .brand_buckets = static_cast<uint32_t>(bb),
                 .category_buckets = static_cast<uint32_t>(cb),
                 .id_buckets = static_cast<uint32_t>(ib),
                 .price_buckets = static_cast<int>(pb)};
  TokenizerSettings tok{.buckets = static_cast<uint32_t>(tb),
                        .char_trigrams = tri != 0,
                        .seed = static_cast<uint32_t>(seed)};
  auto model = std::make_shared<Model>(dims, tok, Model::Unfilled{});
  model->version = header["version"];
  model->summary() = std::move(summary);

  // Tensors.
  Reader r(body.substr(pos), path);
  Params& p = model->params();
  const Eigen::Index d = dim;
  struct Spec {
    const char* name;
    Eigen::Index rows, cols;
    Matrix* m;
  };
  Matrix b1, b2, w3;
  for (const Spec& s : {Spec{"item_tokens", tb, d, &p.item_tokens},
                        Spec{"query_tokens", tb, d, &p.query_tokens},
                        Spec{"brands", bb, d, &p.brands},
                        Spec{"categories", cb, d, &p.categories},
                        Spec{"prices", pb, d, &p.prices}, Spec{"ids", ib, d, &p.ids},
                        Spec{"mlp.w1", kFeatureCount, h1, &p.mlp.w1},
                        Spec{"mlp.w2", h1, h2, &p.mlp.w2}, Spec{"mlp.b1", 1, h1, &b1},
                        Spec{"mlp.b2", 1, h2, &b2}, Spec{"mlp.w3", 1, h2, &w3}}) {
    if (auto res = r.matrix(s.name, s.rows, s.cols, *s.m); !res) {
      return std::unexpected(res.error());
    }
  }
  p.mlp.b1 = b1.row(0);
  p.mlp.b2 = b2.row(0);
  p.mlp.w3 = w3.row(0).transpose();
  if (!r.get(p.mlp.b3)) return r.fail("mlp.b3 is cut short");

  // Click statistics.
  ClickStats::Tables t;
  int64_t anchor = 0;
  if (!r.get(t.half_life_days) || !r.get(anchor) || !r.get(t.latest_ms) || !r.get(t.total) ||
      !r.get(t.max_item)) {
    return r.fail("click statistics are cut short");
  }
  t.anchored = anchor != INT64_MIN;
  t.anchor_ms = t.anchored ? anchor : 0;
  uint64_t n = 0;
  if (!r.get(n)) return r.fail("item statistics are cut short");
  for (uint64_t i = 0; i < n; ++i) {
    uint32_t count = 0;
    double m = 0;
    std::string id;
    if (!r.string(id) || !r.get(count) || !r.get(m)) {
      return r.fail("item statistics are cut short");
    }
    t.items.tryEmplace(id, ClickStats::Tables::ItemCount{.raw = count, .mass = m});
  }
  for (auto* table : {&t.pairs, &t.queries, &t.token_pairs, &t.tokens}) {
    if (!r.get(n)) return r.fail("query statistics are cut short");
    table->reserve(n);
    for (uint64_t i = 0; i < n; ++i) {
      uint64_t key = 0;
      double m = 0;
      if (!r.get(key) || !r.get(m)) return r.fail("query statistics are cut short");
      table->tryEmplace(key, m);
    }
  }
  if (*format >= 4) {
    auto lists = readQueryClicks(r);
    if (!lists) return std::unexpected(lists.error());
    model->queryClicks() = std::move(*lists);
  }
  if (*format >= 5) {
    if (!r.get(n)) return r.fail("query texts are cut short");
    for (uint64_t i = 0; i < n; ++i) {
      std::string q;
      if (!r.string(q)) return r.fail("query texts are cut short");
      t.query_texts.push_back(std::move(q));
    }
  }
  if (*format >= 6) {
    if (!r.get(n)) return r.fail("transitions are cut short");
    uint64_t last_prev = 0;
    for (uint64_t i = 0; i < n; ++i) {
      uint64_t prev = 0, count = 0;
      if (!r.get(prev) || !r.get(count)) return r.fail("transitions are cut short");
      // Written in key order, each item once: a repeat would be dropped.
      if (i > 0 && prev <= last_prev) return r.fail("transitions are out of order");
      last_prev = prev;
      ClickStats::Tables::Successors list;
      for (uint64_t k = 0; k < count; ++k) {
        uint64_t next = 0;
        float weight = 0;
        if (!r.get(next) || !r.get(weight)) return r.fail("transitions are cut short");
        if (!list.empty() && next <= list.back().first) {
          return r.fail("transitions are out of order");
        }
        // nextItem marks free slots with a count of 0.
        if (!(weight > 0) || !std::isfinite(weight)) {
          return r.fail("a transition's count is not a positive number");
        }
        list.emplace_back(next, weight);
      }
      t.successors.emplace(prev, std::move(list));
    }
  }
  model->stats().restore(std::move(t));
  return std::shared_ptr<const Model>(std::move(model));
}

}  // namespace rr::scoring
