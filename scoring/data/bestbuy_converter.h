// Best Buy Xbox hackathon log (../shared/data/bestbuy-xbox) -> DataSet.
//
//   products.csv  sku,productId,name,format,shortDescription,manufacturer,
//                 genre,active,customerReviewAverage
//                 latin-1; every SKU listed twice (the first row is kept);
//                 no field is quoted and quotes are literal.
//                 -> Product{id=sku, title=name, description=shortDescription,
//                    brand=manufacturer, category=genre,
//                    rating=customerReviewAverage (empty: absent)}
//   clicks.csv    user,sku,category,query,click_time,query_time
//                 -> a search at query_time with clicked=sku, and a click on
//                    sku at click_time
//   queries_unlabelled.csv  user,category,query,click_time,query_time
//                 -> a search at query_time without a clicked item
// Times are UTC ("2011-08-11 03:59:04.27"). Events are sorted by time
// (stable) and split into sessions after 30 minutes without an event.
#pragma once

#include <expected>
#include <string>

#include "scoring/data/data_set.h"
#include "scoring/data/load_error.h"

namespace rr::scoring::data {

// Reads the three files in `dir`. Errors name the file, line and column.
// Counts: products, duplicate product rows, labelled searches, unlabelled
// searches, clicks, clicked SKUs not in the catalog, users, sessions, events.
std::expected<DataSet, LoadError> convertBestBuy(const std::string& dir);

}  // namespace rr::scoring::data
