#include "scoring/tokenizer.h"

#include <array>

namespace rr::scoring {
namespace {

constexpr uint64_t kFnvOffset = 14695981039346656037ull;
constexpr uint64_t kFnvPrime = 1099511628211ull;

uint64_t fnv1a(std::string_view s, uint64_t h) {
  for (unsigned char c : s) {
    h ^= c;
    h *= kFnvPrime;
  }
  return h;
}

// Per byte: its lower-case form when it belongs to a word (ASCII letters and
// digits, what isalnum accepts in the C locale), else 0. A table instead of
// <cctype> calls: tokenizing is most of the item tower's time.
constexpr std::array<char, 256> kWordChar = [] {
  std::array<char, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[c] = static_cast<char>(c);
  for (int c = 'a'; c <= 'z'; ++c) t[c] = static_cast<char>(c);
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = static_cast<char>(c - 'A' + 'a');
  return t;
}();

char wordChar(unsigned char c) { return kWordChar[c]; }

}  // namespace

Tokenizer::Tokenizer(TokenizerSettings settings) : settings_(settings) {}

uint32_t Tokenizer::bucket(std::string_view piece, char kind) const {
  uint64_t h = kFnvOffset ^ settings_.seed;
  h = fnv1a(std::string_view(&kind, 1), h);
  h = fnv1a(piece, h);
  return static_cast<uint32_t>(h % settings_.buckets);
}

uint32_t Tokenizer::hashValue(std::string_view prefix, std::string_view value,
                              uint32_t buckets) const {
  // normalize()'s state machine, hashing each byte it would emit.
  uint64_t h = kFnvOffset ^ settings_.seed;
  bool pending_space = false, emitted = false;
  for (std::string_view part : {prefix, value}) {
    for (unsigned char c : part) {
      if (const char lower = wordChar(c)) {
        if (pending_space && emitted) h = (h ^ static_cast<unsigned char>(' ')) * kFnvPrime;
        pending_space = false;
        emitted = true;
        h = (h ^ static_cast<unsigned char>(lower)) * kFnvPrime;
      } else {
        pending_space = true;
      }
    }
  }
  return static_cast<uint32_t>(h % buckets);
}

void Tokenizer::tokenize(std::string_view text, std::vector<uint32_t>& out) const {
  // The same ids as bucket(word, 'w') and bucket(trigram, 'g'), with the
  // kind byte hashed once and the word lower-cased into one reused buffer
  // framed by the boundary markers.
  const uint64_t start = kFnvOffset ^ settings_.seed;
  const uint64_t word_start = (start ^ static_cast<unsigned char>('w')) * kFnvPrime;
  const uint64_t gram_start = (start ^ static_cast<unsigned char>('g')) * kFnvPrime;
  const uint64_t buckets = settings_.buckets;
  const bool pow2 = (buckets & (buckets - 1)) == 0;
  auto reduce = [&](uint64_t h) {
    return static_cast<uint32_t>(pow2 ? (h & (buckets - 1)) : (h % buckets));
  };
  const std::size_t n = text.size();
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  char buf[256];
  std::string long_word;
  std::size_t i = 0;
  while (i < n) {
    if (!wordChar(bytes[i])) {
      ++i;
      continue;
    }
    std::size_t end = i;
    while (end < n && wordChar(bytes[end])) ++end;
    const std::size_t len = end - i;
    char* w = buf;
    if (len + 2 > sizeof buf) {
      long_word.resize(len + 2);
      w = long_word.data();
    }
    w[0] = '#';
    for (std::size_t k = 0; k < len; ++k) w[k + 1] = wordChar(bytes[i + k]);
    w[len + 1] = '#';
    out.push_back(reduce(fnv1a(std::string_view(w + 1, len), word_start)));
    if (settings_.char_trigrams) {
      for (std::size_t k = 0; k + 3 <= len + 2; ++k) {
        out.push_back(reduce(fnv1a(std::string_view(w + k, 3), gram_start)));
      }
    }
    i = end;
  }
}

std::string Tokenizer::normalize(std::string_view text) {
  std::string out;
  bool pending_space = false;
  for (unsigned char c : text) {
    if (const char lower = wordChar(c)) {
      if (pending_space && !out.empty()) out.push_back(' ');
      pending_space = false;
      out.push_back(lower);
    } else {
      pending_space = true;
    }
  }
  return out;
}

}  // namespace rr::scoring
