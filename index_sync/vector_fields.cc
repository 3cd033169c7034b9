#include "index_sync/vector_fields.h"

#include <array>
#include <bit>
#include <cstdio>
#include <cstring>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

#include "connectors/json_writer.h"

namespace rr::index_sync {
namespace {

constexpr uint64_t kFnvOffset = 14695981039346656037ull;
constexpr uint64_t kFnvPrime = 1099511628211ull;

uint64_t fnv1a(uint64_t h, std::string_view s) {
  for (unsigned char c : s) {
    h ^= c;
    h *= kFnvPrime;
  }
  return h;
}

std::string hex(uint64_t v, int digits) {
  std::string out(static_cast<std::size_t>(digits), '0');
  for (int i = digits - 1; i >= 0; --i) {
    out[static_cast<std::size_t>(i)] = "0123456789abcdef"[v & 0xf];
    v >>= 4;
  }
  return out;
}

constexpr char kAlphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

}  // namespace

VectorFields vectorFields(std::string_view base, std::string_view model_version) {
  VectorFields f;
  f.version = std::string(model_version);
  f.tag = hex(fnv1a(kFnvOffset, model_version) & 0xffffffffull, 8);
  f.vector = std::string(base) + "_" + f.tag;
  f.meta = f.vector + "_m";
  f.knn = f.vector + "_knn";
  return f;
}

std::string vectorMapping(const VectorFields& fields, int dim, bool knn) {
  std::string out = "{\"properties\":{";
  connectors::appendJsonString(out, fields.vector);
  out += ":{\"type\":\"binary\",\"doc_values\":true},";
  connectors::appendJsonString(out, fields.meta);
  out += ":{\"type\":\"keyword\",\"index\":false,\"doc_values\":true}";
  if (knn) {
    out += ",";
    connectors::appendJsonString(out, fields.knn);
    // Lucene's HNSW: the only engine whose Maven Central plugin zip works
    // without native libraries. Inner product is what the model scores with.
    out += ":{\"type\":\"knn_vector\",\"dimension\":" + std::to_string(dim) +
           ",\"method\":{\"name\":\"hnsw\",\"engine\":\"lucene\","
           "\"space_type\":\"innerproduct\"}}";
  }
  out += "}}";
  return out;
}

std::string encodeVector(std::span<const float> v) {
  std::string bytes(v.size() * sizeof(float), '\0');
  for (std::size_t i = 0; i < v.size(); ++i) {
    uint32_t u = std::bit_cast<uint32_t>(v[i]);
    if constexpr (std::endian::native == std::endian::big) u = __builtin_bswap32(u);
    std::memcpy(bytes.data() + i * 4, &u, 4);
  }
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t n = (static_cast<uint8_t>(bytes[i]) << 16) |
                       (static_cast<uint8_t>(bytes[i + 1]) << 8) |
                       static_cast<uint8_t>(bytes[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest > 0) {
    uint32_t n = static_cast<uint8_t>(bytes[i]) << 16;
    if (rest == 2) n |= static_cast<uint8_t>(bytes[i + 1]) << 8;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += rest == 2 ? kAlphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

namespace {

#if defined(__AVX2__)
// 32 base64 characters to 24 bytes, eight groups at once; false when a
// character is outside the alphabet. Each character is mapped to its 6 bits
// by the offset of its range, then two multiply-adds join four 6-bit values
// into one 24-bit group per 32-bit lane, whose bytes a shuffle puts in order.
bool decodeBlock32(const char* in, unsigned char* out) {
  const __m256i c = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(in));
  // Signed compares: bytes of 0x80 and above are negative, so in no range.
  const auto between = [&c](char lo, char hi) {
    return _mm256_and_si256(_mm256_cmpgt_epi8(c, _mm256_set1_epi8(static_cast<char>(lo - 1))),
                            _mm256_cmpgt_epi8(_mm256_set1_epi8(static_cast<char>(hi + 1)), c));
  };
  const __m256i upper = between('A', 'Z');
  const __m256i lower = between('a', 'z');
  const __m256i digit = between('0', '9');
  const __m256i plus = _mm256_cmpeq_epi8(c, _mm256_set1_epi8('+'));
  const __m256i slash = _mm256_cmpeq_epi8(c, _mm256_set1_epi8('/'));
  const __m256i valid = _mm256_or_si256(_mm256_or_si256(upper, lower),
                                        _mm256_or_si256(digit, _mm256_or_si256(plus, slash)));
  if (_mm256_movemask_epi8(valid) != -1) return false;
  // 'A'..'Z' -> 0..25, 'a'..'z' -> 26..51, '0'..'9' -> 52..61, '+' 62, '/' 63.
  __m256i offset = _mm256_and_si256(upper, _mm256_set1_epi8(-'A'));
  offset = _mm256_or_si256(offset, _mm256_and_si256(lower, _mm256_set1_epi8(26 - 'a')));
  offset = _mm256_or_si256(offset, _mm256_and_si256(digit, _mm256_set1_epi8(52 - '0')));
  offset = _mm256_or_si256(offset, _mm256_and_si256(plus, _mm256_set1_epi8(62 - '+')));
  offset = _mm256_or_si256(offset, _mm256_and_si256(slash, _mm256_set1_epi8(63 - '/')));
  const __m256i six = _mm256_add_epi8(c, offset);
  // [a b c d] -> 16-bit (a << 6 | b), (c << 6 | d) -> 32-bit a<<18|b<<12|c<<6|d.
  const __m256i twelve = _mm256_maddubs_epi16(six, _mm256_set1_epi32(0x01400140));
  const __m256i groups = _mm256_madd_epi16(twelve, _mm256_set1_epi32(0x00011000));
  // Each lane's 24-bit groups, most significant byte first, in its low 12
  // bytes; then the two lanes' 12 bytes side by side.
  const __m256i bytes = _mm256_shuffle_epi8(
      groups, _mm256_setr_epi8(2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1,
                               2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1));
  const __m256i packed =
      _mm256_permutevar8x32_epi32(bytes, _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 7, 7));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out), _mm256_castsi256_si128(packed));
  _mm_storel_epi64(reinterpret_cast<__m128i*>(out + 16), _mm256_extracti128_si256(packed, 1));
  return true;
}
#endif

}  // namespace

bool decodeVector(std::string_view text, std::vector<float>& out) {
  return detail::decodeVectorWith(text, out, /*blocks=*/true);
}

bool detail::decodeVectorWith(std::string_view text, std::vector<float>& out, bool blocks) {
  // Blocks of 32 characters where the build has AVX2, then a lookup table
  // and whole 4-character groups, written straight into the floats' bytes:
  // this runs for every candidate of every search.
  static constexpr auto kValue = [] {
    std::array<int8_t, 256> t{};
    t.fill(-1);
    for (int i = 0; i < 26; ++i) {
      t[static_cast<std::size_t>('A' + i)] = static_cast<int8_t>(i);
      t[static_cast<std::size_t>('a' + i)] = static_cast<int8_t>(26 + i);
    }
    for (int i = 0; i < 10; ++i) t[static_cast<std::size_t>('0' + i)] = static_cast<int8_t>(52 + i);
    t['+'] = 62;
    t['/'] = 63;
    return t;
  }();
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  const std::size_t n = text.size();
  if (n % 4 == 1) return false;
  const std::size_t nbytes = n / 4 * 3 + (n % 4 == 0 ? 0 : n % 4 - 1);
  if (nbytes % sizeof(float) != 0) return false;
  out.resize(nbytes / sizeof(float));
  auto* dst = reinterpret_cast<unsigned char*>(out.data());
  const auto value = [&](std::size_t i) {
    return static_cast<int32_t>(kValue[static_cast<unsigned char>(text[i])]);
  };
  std::size_t i = 0, o = 0;
#if defined(__AVX2__)
  for (; blocks && i + 32 <= n; i += 32, o += 24) {
    if (!decodeBlock32(text.data() + i, dst + o)) return false;
  }
#else
  (void)blocks;
#endif
  for (; i + 4 <= n; i += 4) {
    const int32_t a = value(i), b = value(i + 1), c = value(i + 2), d = value(i + 3);
    if ((a | b | c | d) < 0) return false;
    const uint32_t v = static_cast<uint32_t>(a << 18 | b << 12 | c << 6 | d);
    dst[o++] = static_cast<unsigned char>(v >> 16);
    dst[o++] = static_cast<unsigned char>(v >> 8);
    dst[o++] = static_cast<unsigned char>(v);
  }
  if (n - i >= 2) {
    const int32_t a = value(i), b = value(i + 1), c = n - i == 3 ? value(i + 2) : 0;
    if ((a | b | c) < 0) return false;
    const uint32_t v = static_cast<uint32_t>(a << 18 | b << 12 | c << 6);
    dst[o++] = static_cast<unsigned char>(v >> 16);
    if (n - i == 3) dst[o++] = static_cast<unsigned char>(v >> 8);
  }
  if constexpr (std::endian::native == std::endian::big) {
    for (float& f : out) f = std::bit_cast<float>(__builtin_bswap32(std::bit_cast<uint32_t>(f)));
  }
  return true;
}

std::string contentHash(const scoring::ItemText& item) {
  // A unit separator between fields, so ("ab","c") and ("a","bc") differ.
  uint64_t h = kFnvOffset;
  for (std::string_view part : {std::string_view(item.id), std::string_view(item.title),
                                std::string_view(item.description),
                                std::string_view(item.brand),
                                std::string_view(item.category)}) {
    h = fnv1a(h, part);
    h = fnv1a(h, "\x1f");
  }
  if (item.price) {
    std::array<char, 32> buf{};
    const int n = std::snprintf(buf.data(), buf.size(), "%.17g", *item.price);
    h = fnv1a(h, std::string_view(buf.data(), static_cast<std::size_t>(n)));
  }
  return hex(h, 16);
}

std::string metaValue(std::string_view version, std::string_view hash) {
  std::string out(version);
  out += '|';
  out += hash;
  return out;
}

bool matchesExcludePattern(std::string_view pattern, std::string_view name) {
  // Iterative glob with '*' only, backtracking to the last star.
  std::size_t p = 0, n = 0, star = std::string_view::npos, mark = 0;
  while (n < name.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = n;
    } else if (p < pattern.size() && pattern[p] == name[n]) {
      ++p;
      ++n;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      n = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace rr::index_sync
