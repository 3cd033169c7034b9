// Amazon 2018 Industrial & Scientific, UniSRec's "Scientific" as shared in
// ysh-1998/CoWPiRec (../shared/data/amazon-scientific) -> DataSet.
//
//   Scientific.text        header; ASIN<TAB>"title. category path. brand. "
//   Scientific.item2index  ASIN<TAB>item index, no header
//   Scientific.user2index  user id<TAB>user index, no header
//   Scientific.train.inter header; user index, history (item indexes
//                          separated by spaces, time order), next item;
//                          several prefixes of each user's sequence
//   Scientific.valid.inter the same, one row per user: the whole history
//                          and the validation target
//
// Catalog: Product{id=ASIN, title, category=category path, brand}.
// Events: each user's history items (from valid.inter, which keeps only the
// last 50; when train.inter has a longer sequence ending with them, that one;
// users only in train.inter: their longest train sequence) as purchases, each
// once, then a search
// whose query is the target's category path and whose clicked item is the
// target. The test targets are held back and not in these files.
//
// The .inter files have no times, so they are synthesized on a clock that
// ends at the same instant for everyone: the j-th of n history items was
// bought (n - j) days before 2020-09-13T12:26:40Z, and the target is searched
// a minute after it. Each purchase after the first is also a training search
// (its category path as the query, one minute before it). Only the order
// within a user is real; the common end makes "the last days" every user's
// latest purchases (validation) and the final day the evaluation split.
#pragma once

#include <expected>
#include <string>
#include <string_view>

#include "scoring/data/data_set.h"
#include "scoring/data/load_error.h"

namespace rr::scoring::data {

struct ScientificText {
  std::string title;
  std::string category_path;  // may be empty
  std::string brand;          // may be empty
};

// Splits "title. category path. brand. " on ". ". The category path is the
// last part that starts with "Industrial & Scientific" (titles may hold
// ". " too), else the second-to-last part.
ScientificText splitScientificText(std::string_view text);

// Counts: products, products without a category path, users, history
// purchases, target searches, targets without a category path (no search
// emitted), histories completed from train.inter, train sequences that
// disagree with valid.inter, events.
std::expected<DataSet, LoadError> convertAmazonScientific(const std::string& dir);

}  // namespace rr::scoring::data
