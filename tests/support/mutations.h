// Broken copies of an input, for tests that feed a parser or a server
// what no well-behaved client or engine sends.
#pragma once

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace rr::testing {

// Broken copies of `seed`, the same ones every run for the same
// `rng_seed`: up to ~300 prefixes, then `random_count` copies with one byte
// made structural, a few random bytes, a slice dropped, a slice repeated or
// a byte inserted, in turn.
inline std::vector<std::string> brokenCopies(const std::string& seed, std::uint32_t rng_seed,
                                             int random_count) {
  std::vector<std::string> out;
  // Prefixes: at most ~300 of them, evenly spread, and the seed less its last byte.
  const std::size_t step = std::max<std::size_t>(1, seed.size() / 300);
  for (std::size_t n = 0; n < seed.size(); n += step) out.push_back(seed.substr(0, n));
  if (!seed.empty()) out.push_back(seed.substr(0, seed.size() - 1));
  std::mt19937 rng(rng_seed);
  // JSON's structure and literals, HTTP's line ends, a control byte, a
  // byte that is never UTF-8.
  const std::string structural = "{}[]\",:\\ 0-e.tfn\r\n\x01\xff";
  // A number in 0..most, inclusive.
  auto at = [&](std::size_t most) {
    return std::uniform_int_distribution<std::size_t>(0, most)(rng);
  };
  for (int k = 0; k < random_count && !seed.empty(); ++k) {
    std::string m = seed;
    switch (k % 5) {
      case 0:  // one byte becomes a structural one
        m[at(m.size() - 1)] = structural[at(structural.size() - 1)];
        break;
      case 1:  // a few random bytes
        for (int i = 0; i < 3; ++i) m[at(m.size() - 1)] = static_cast<char>(at(255));
        break;
      case 2: {  // a slice dropped
        const std::size_t from = at(m.size() - 1);
        m.erase(from, at(std::min<std::size_t>(64, m.size() - from)));
        break;
      }
      case 3: {  // a slice repeated
        const std::size_t from = at(m.size() - 1);
        const std::size_t len = at(std::min<std::size_t>(64, m.size() - from));
        m.insert(from, m.substr(from, len));
        break;
      }
      default:  // a byte inserted
        m.insert(at(m.size()), 1, structural[at(structural.size() - 1)]);
        break;
    }
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace rr::testing
