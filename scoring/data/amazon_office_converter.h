// Amazon Office Products 5-core, as preprocessed in ysh-1998/LRD
// (../shared/data/amazon-office) -> DataSet.
//
//   Office.text       header "id<TAB>text"; ASIN<TAB>title + leaf category +
//                     brand (one string, see office_text_splitter.h)
//   Office.item2index ASIN<TAB>item_id, no header
//   item_meta.csv     TSV: item_id, i_category, i_brand, ... (ids, no names)
//   train.csv         TSV: user_id, item_id, time (unix seconds); every
//                     user's history but the last two items, time-ordered
//   dev.csv           TSV: user_id, item_id, time, neg_items; each user's
//                     second-to-last item (the negatives are not used)
//
// Catalog: Product{id=ASIN, title=the title part of the text,
// description=the rest of the text (leaf category and brand words),
// category="c<i_category>", brand="b<i_brand>" (brand id 0: none)}.
// Events: every train.csv row is a purchase of the item at its time; every
// dev.csv row is a search at the target's time whose query is the target's
// leaf category text and whose clicked item is the target (the personalized
// product-search setup of Ai et al., SIGIR 2017). The held-back last items
// are not in these files. Ids in events are ASINs; users keep their ids.
//
// OfficeClock::kEndAligned lays the same events out for training the way
// the Scientific converter does: each user's train.csv items, in time order
// (file order on ties), are bought (n - j) days before
// 2020-09-13T12:26:40Z, each purchase after the first with its leaf
// category as a training search a minute before it, and the dev target is
// searched a minute after that instant. Only the order within a user is
// kept; the common end makes the last days every user's latest purchases
// (validation) and the final day the evaluation split.
#pragma once

#include <expected>
#include <string>

#include "scoring/data/data_set.h"
#include "scoring/data/load_error.h"

namespace rr::scoring::data {

enum class OfficeClock { kReal, kEndAligned };

// Counts: products, users, history purchases, (aligned: training searches,)
// target searches, events.
std::expected<DataSet, LoadError> convertAmazonOffice(const std::string& dir,
                                                      OfficeClock clock = OfficeClock::kReal);

}  // namespace rr::scoring::data
