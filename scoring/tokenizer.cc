#include "scoring/tokenizer.h"

#include <cctype>

namespace rr::scoring {
namespace {

uint64_t fnv1a(std::string_view s, uint64_t h) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

bool isWordChar(unsigned char c) { return std::isalnum(c) != 0; }

}  // namespace

Tokenizer::Tokenizer(TokenizerSettings settings) : settings_(settings) {}

uint32_t Tokenizer::bucket(std::string_view piece, char kind) const {
  uint64_t h = 14695981039346656037ull ^ settings_.seed;
  h = fnv1a(std::string_view(&kind, 1), h);
  h = fnv1a(piece, h);
  return static_cast<uint32_t>(h % settings_.buckets);
}

uint32_t Tokenizer::hashValue(std::string_view value, uint32_t buckets) const {
  uint64_t h = fnv1a(normalize(value), 14695981039346656037ull ^ settings_.seed);
  return static_cast<uint32_t>(h % buckets);
}

void Tokenizer::tokenize(std::string_view text, std::vector<uint32_t>& out) const {
  std::string word;
  std::string gram;
  auto flush = [&] {
    if (word.empty()) return;
    out.push_back(bucket(word, 'w'));
    if (settings_.char_trigrams) {
      gram = "#" + word + "#";
      for (std::size_t i = 0; i + 3 <= gram.size(); ++i) {
        out.push_back(bucket(std::string_view(gram).substr(i, 3), 'g'));
      }
    }
    word.clear();
  };
  for (unsigned char c : text) {
    if (isWordChar(c)) {
      word.push_back(static_cast<char>(std::tolower(c)));
    } else {
      flush();
    }
  }
  flush();
}

std::string Tokenizer::normalize(std::string_view text) {
  std::string out;
  bool pending_space = false;
  for (unsigned char c : text) {
    if (isWordChar(c)) {
      if (pending_space && !out.empty()) out.push_back(' ');
      pending_space = false;
      out.push_back(static_cast<char>(std::tolower(c)));
    } else {
      pending_space = true;
    }
  }
  return out;
}

}  // namespace rr::scoring
