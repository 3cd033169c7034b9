// Splits the item texts of the Amazon Office set into title, leaf category
// and brand.
//
// Office.text holds one string per item, "title + leaf category + brand",
// joined by spaces with no delimiter ("HP 12C Financial Calculator
// Scientific HP"), and item_meta.csv gives brand and level-2 category ids but
// no names. The split is inferred from the whole set, word by word:
//  1. Brand: items sharing a brand id (>= 2 of them) end with the same brand
//     words; their longest common word suffix is the brand. When every item
//     of the brand also shares its leaf ("Mouse Pads Belkin"), the brand is
//     cut to the tail some item's title starts with ("Belkin ..."), else to
//     what follows the last word that ends leaves of other brands ("Pads").
//     Brand id 0 means no brand.
//  2. Leaf category: the longest word suffix (1..3 words) of what precedes
//     the brand that items of >= 3 different brands end with, and that holds
//     no digit or bracket (those are model numbers and pack sizes); a leading
//     word repeated later in it ("Printer Photo Printers") belongs to the
//     title. One word at least.
//  3. Items alone with their brand id: the brand is the tail (1..3 words)
//     the text also starts with, else the shortest tail that leaves a known
//     leaf category (from step 2) just before it; without one, no brand and
//     step 2 on the whole text.
//  4. A leaf that is still a model number or pack size ("(8511-2)") is
//     replaced by the most common leaf of the item's level-2 category, and
//     nothing is cut from the title.
// It is a heuristic: most leaves come out as Amazon's ("Inkjet Printer Ink",
// "Mouse Pads"), some a word short or long ("Calculator Basic"). It only feeds
// query text for evaluation; nothing is lost, since the title plus the
// remainder is the original text.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace rr::scoring::data {

struct OfficeItemText {
  std::string text;
  int64_t brand_id = 0;     // 0: unknown
  int64_t category_id = 0;  // level-2 category
};

struct OfficeTextParts {
  std::string title;      // the leading words of the text
  std::string remainder;  // the rest of the text (leaf category and brand)
  std::string leaf_category;
  std::string brand;      // empty when unknown
};

// One result per item, in the same order. Deterministic.
std::vector<OfficeTextParts> splitOfficeTexts(const std::vector<OfficeItemText>& items);

}  // namespace rr::scoring::data
