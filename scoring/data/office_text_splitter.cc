#include "scoring/data/office_text_splitter.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

namespace rr::scoring::data {
namespace {

using Words = std::vector<std::string>;

constexpr std::size_t kMaxLeafWords = 3;
constexpr std::size_t kMaxBrandWords = 3;
constexpr std::size_t kMinLeafBrands = 3;

Words splitWords(const std::string& text) {
  Words words;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && text[i] == ' ') ++i;
    std::size_t end = i;
    while (end < text.size() && text[end] != ' ') ++end;
    if (end > i) words.emplace_back(text.substr(i, end - i));
    i = end;
  }
  return words;
}

std::string join(const Words& words, std::size_t from, std::size_t to) {
  std::string out;
  for (std::size_t i = from; i < to; ++i) {
    if (i > from) out += ' ';
    out += words[i];
  }
  return out;
}

bool isModelLike(std::string_view word) {
  return std::any_of(word.begin(), word.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) || c == '(' || c == ')' || c == '[' ||
           c == ']';
  });
}

// A word that cannot start a category name.
bool badFirstWord(std::string_view word) {
  return isModelLike(word) || word == "-" || word == "&" || word.ends_with(',') ||
         word.find('/') != std::string_view::npos;
}

// Lower-case, without a plural "s": "Printers" and "printer" are one word.
std::string stem(std::string_view word) {
  std::string out;
  for (char c : word) out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  if (out.size() > 1 && out.back() == 's') out.pop_back();
  return out;
}

// For each word suffix (1..kMaxLeafWords words): the distinct brands that end
// with it, capped at kMinLeafBrands (that is all the rule needs).
class SuffixBrands {
 public:
  void add(const Words& words, int64_t brand_key) {
    for (std::size_t k = 1; k <= kMaxLeafWords && k < words.size(); ++k) {
      auto& brands = brands_[join(words, words.size() - k, words.size())];
      if (brands.size() < kMinLeafBrands &&
          std::find(brands.begin(), brands.end(), brand_key) == brands.end()) {
        brands.push_back(brand_key);
      }
    }
  }
  bool shared(const std::string& suffix) const {
    auto it = brands_.find(suffix);
    return it != brands_.end() && it->second.size() >= kMinLeafBrands;
  }

 private:
  std::unordered_map<std::string, std::vector<int64_t>> brands_;
};

// Number of trailing words of `words` that form the leaf category.
std::size_t leafLength(const Words& words, const SuffixBrands& suffixes) {
  std::size_t best = 1;
  for (std::size_t k = 1; k <= kMaxLeafWords && k < words.size(); ++k) {
    const std::size_t start = words.size() - k;
    if (badFirstWord(words[start])) continue;
    bool model_like = false;
    for (std::size_t i = start; i < words.size(); ++i) model_like |= isModelLike(words[i]);
    if (!model_like && suffixes.shared(join(words, start, words.size()))) best = k;
  }
  // "Printer Photo Printers": the leading word repeats a later one.
  while (best > 1) {
    const std::string first = stem(words[words.size() - best]);
    bool repeated = false;
    for (std::size_t i = words.size() - best + 1; i < words.size(); ++i) {
      repeated |= stem(words[i]) == first;
    }
    if (!repeated) break;
    --best;
  }
  return best;
}

struct Split {
  std::size_t title_words = 0;  // words[0, title_words) is the title
  std::size_t brand_words = 0;  // the last brand_words words are the brand
  bool resolved = false;
};

// Number of final words shared by all `members`, leaving two words at least.
std::size_t commonSuffix(const std::vector<Words>& words, const std::vector<std::size_t>& members) {
  std::size_t common = 0;
  const Words& first = words[members[0]];
  while (true) {
    for (std::size_t m : members) {
      const Words& w = words[m];
      if (w.size() < common + 3 || w[w.size() - 1 - common] != first[first.size() - 1 - common]) {
        return common;
      }
    }
    ++common;
  }
}

bool equalsIgnoringCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// True when the first `tail` words of `w` equal its last `tail` words,
// ignoring case: the brand opens and closes the text.
bool startsWithTail(const Words& w, std::size_t tail) {
  for (std::size_t k = 0; k < tail; ++k) {
    if (!equalsIgnoringCase(w[k], w[w.size() - tail + k])) return false;
  }
  return true;
}

// Brands whose items all share their leaf too ("Mouse Pads Belkin") get a
// shorter brand: the longest tail that some item's title starts with
// ("Belkin Standard Mouse Pad ..."), else what follows the last word that
// ends the pre-brand text of >= kMinLeafBrands brands ("Pads").
void trimLongBrands(const std::vector<OfficeItemText>& items, const std::vector<Words>& words,
                    const std::map<int64_t, std::vector<std::size_t>>& by_brand,
                    const std::vector<std::pair<int64_t, std::size_t>>& long_suffixes,
                    std::vector<Split>& splits) {
  // Words that end a leaf: last words before a one-word brand (or of the
  // whole text without brand), counted over distinct brands.
  std::unordered_map<std::string, std::vector<int64_t>> leaf_enders;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (!splits[i].resolved || splits[i].brand_words > 1) continue;
    if (items[i].brand_id != 0 && splits[i].brand_words == 0) continue;
    const Words& w = words[i];
    if (w.size() <= splits[i].brand_words) continue;
    const int64_t key = items[i].brand_id != 0 ? items[i].brand_id : -static_cast<int64_t>(i) - 1;
    auto& brands = leaf_enders[w[w.size() - 1 - splits[i].brand_words]];
    if (brands.size() < kMinLeafBrands &&
        std::find(brands.begin(), brands.end(), key) == brands.end()) {
      brands.push_back(key);
    }
  }
  auto endsLeaf = [&](const std::string& word) {
    auto it = leaf_enders.find(word);
    return it != leaf_enders.end() && it->second.size() >= kMinLeafBrands;
  };
  for (const auto& [brand, common] : long_suffixes) {
    const auto& members = by_brand.at(brand);
    const Words& first = words[members[0]];
    const std::size_t start = first.size() - common;  // S = first[start, end)
    std::size_t keep = 0;
    for (std::size_t tail = common; tail >= 1 && keep == 0; --tail) {
      for (std::size_t m : members) {
        if (words[m].size() > 2 * tail && startsWithTail(words[m], tail)) {
          keep = tail;
          break;
        }
      }
    }
    if (keep == 0) {
      keep = common;
      for (std::size_t k = start; k + 1 < first.size(); ++k) {
        if (endsLeaf(first[k])) keep = first.size() - k - 1;
      }
    }
    for (std::size_t m : members) splits[m].brand_words = keep;
  }
}

using BrandGroups = std::map<int64_t, std::vector<std::size_t>>;

// Items without a brand id count as a brand of their own.
int64_t brandKey(const std::vector<OfficeItemText>& items, std::size_t i) {
  return items[i].brand_id != 0 ? items[i].brand_id : -static_cast<int64_t>(i) - 1;
}

// Step 1: the brand words of items whose brand id is shared (or 0).
std::vector<Split> splitSharedBrands(const std::vector<OfficeItemText>& items,
                                     const std::vector<Words>& words,
                                     const BrandGroups& by_brand) {
  std::vector<Split> splits(items.size());
  std::vector<std::pair<int64_t, std::size_t>> long_suffixes;  // brand, words
  for (const auto& [brand, members] : by_brand) {
    if (brand != 0 && members.size() < 2) continue;
    const std::size_t common = brand == 0 ? 0 : commonSuffix(words, members);
    if (common > 1) long_suffixes.emplace_back(brand, common);
    for (std::size_t m : members) {
      splits[m].brand_words = common;
      splits[m].resolved = true;
    }
  }
  trimLongBrands(items, words, by_brand, long_suffixes, splits);
  return splits;
}

// Step 2: leaves of the items whose brand is known; returns the leaves seen.
std::unordered_set<std::string> splitLeaves(const std::vector<OfficeItemText>& items,
                                            const std::vector<Words>& words,
                                            SuffixBrands& suffixes, std::vector<Split>& splits) {
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (!splits[i].resolved) continue;
    const auto brand_words = static_cast<std::ptrdiff_t>(splits[i].brand_words);
    suffixes.add(Words(words[i].begin(), words[i].end() - brand_words), brandKey(items, i));
  }
  std::unordered_set<std::string> known_leaves;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (!splits[i].resolved) continue;
    const std::size_t rest = words[i].size() - splits[i].brand_words;
    Words head(words[i].begin(), words[i].begin() + static_cast<std::ptrdiff_t>(rest));
    const std::size_t leaf = head.empty() ? 0 : leafLength(head, suffixes);
    splits[i].title_words = rest - leaf;
    known_leaves.insert(join(head, rest - leaf, rest));
  }
  return known_leaves;
}

// Step 3: items alone with their brand id.
Split splitLoneBrand(const Words& w, const SuffixBrands& suffixes,
                     const std::unordered_set<std::string>& known_leaves) {
  // A tail the text also starts with ("Arrow PT50 ... Staple Guns Arrow").
  for (std::size_t tail = kMaxBrandWords; tail >= 1; --tail) {
    if (w.size() < 2 * tail + 1 || !startsWithTail(w, tail)) continue;
    const Words rest(w.begin(), w.end() - static_cast<std::ptrdiff_t>(tail));
    return Split{.title_words = rest.size() - leafLength(rest, suffixes),
                 .brand_words = tail,
                 .resolved = true};
  }
  // The shortest tail with a known leaf just before it.
  for (std::size_t tail = 1; tail <= kMaxBrandWords && w.size() >= tail + 2; ++tail) {
    const std::size_t end = w.size() - tail;
    for (std::size_t leaf = std::min(kMaxLeafWords, end - 1); leaf >= 1; --leaf) {
      const std::string candidate = join(w, end - leaf, end);
      if (known_leaves.contains(candidate) && suffixes.shared(candidate)) {
        return Split{.title_words = end - leaf, .brand_words = tail, .resolved = true};
      }
    }
  }
  return Split{.title_words = w.size() - (w.empty() ? 0 : leafLength(w, suffixes)),
               .brand_words = 0,
               .resolved = true};
}

OfficeTextParts partsOf(const Words& w, const Split& split) {
  const std::size_t leaf_end = w.size() - split.brand_words;
  return OfficeTextParts{.title = join(w, 0, split.title_words),
                         .remainder = join(w, split.title_words, w.size()),
                         .leaf_category = join(w, split.title_words, leaf_end),
                         .brand = join(w, leaf_end, w.size())};
}

bool usableLeaf(const std::string& leaf) { return !leaf.empty() && !isModelLike(leaf); }

// Step 4: leaves that are model numbers get the category's most common leaf,
// and the title keeps every word before the brand.
void replaceModelLeaves(const std::vector<OfficeItemText>& items, const std::vector<Words>& words,
                        const std::vector<Split>& splits, std::vector<OfficeTextParts>& out) {
  std::map<int64_t, std::map<std::string, int>> leaves_by_category;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (usableLeaf(out[i].leaf_category)) {
      ++leaves_by_category[items[i].category_id][out[i].leaf_category];
    }
  }
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (usableLeaf(out[i].leaf_category)) continue;
    std::string best;
    int best_count = 0;
    for (const auto& [leaf, count] : leaves_by_category[items[i].category_id]) {
      if (count > best_count) {
        best = leaf;
        best_count = count;
      }
    }
    const Words& w = words[i];
    const std::size_t title_end = w.size() - splits[i].brand_words;
    out[i].title = join(w, 0, title_end);
    out[i].remainder = join(w, title_end, w.size());
    out[i].leaf_category = best;
  }
}

}  // namespace

std::vector<OfficeTextParts> splitOfficeTexts(const std::vector<OfficeItemText>& items) {
  const std::size_t n = items.size();
  std::vector<Words> words(n);
  BrandGroups by_brand;
  for (std::size_t i = 0; i < n; ++i) {
    words[i] = splitWords(items[i].text);
    by_brand[items[i].brand_id].push_back(i);
  }
  std::vector<Split> splits = splitSharedBrands(items, words, by_brand);
  SuffixBrands suffixes;
  const auto known_leaves = splitLeaves(items, words, suffixes, splits);
  for (std::size_t i = 0; i < n; ++i) {
    if (!splits[i].resolved) splits[i] = splitLoneBrand(words[i], suffixes, known_leaves);
  }
  std::vector<OfficeTextParts> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) out.push_back(partsOf(words[i], splits[i]));
  replaceModelLeaves(items, words, splits, out);
  return out;
}

}  // namespace rr::scoring::data
