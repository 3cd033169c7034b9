#include "tests/index_sync/sync_fixture.h"

#include <catch2/catch.hpp>
#include <simdjson.h>

#include "connectors/json_writer.h"
#include "index_sync/vector_fields.h"

namespace rr::testing {

std::vector<ShopItem> shopItems(int n) {
  static const char* kBrands[] = {"Acme", "Globex", "Initech", "Umbrella", "Hooli"};
  static const char* kCategories[] = {"Headphones", "Keyboards", "Monitors", "Cables"};
  static const char* kWords[] = {"wireless", "compact", "pro", "ultra", "gaming",
                                 "quiet", "mini", "max", "classic", "smart"};
  std::vector<ShopItem> items;
  for (int i = 0; i < n; ++i) {
    ShopItem it;
    it.id = "sku-" + std::to_string(1000 + i);
    it.brand = kBrands[i % 5];
    it.category = kCategories[(i / 5) % 4];
    it.title = it.brand + " " + kWords[i % 10] + " " + kWords[(i * 7 + 3) % 10] + " " +
               it.category + " " + std::to_string(i);
    it.description = std::string("A ") + kWords[(i * 3) % 10] + " item for everyday use";
    it.price = 5.0 + (i * 37 % 500);
    it.updated_at = 1'700'000'000'000 + i;
    items.push_back(std::move(it));
  }
  return items;
}

std::string shopItemJson(const ShopItem& item) {
  using connectors::jsonString;
  return "{\"title\":" + jsonString(item.title) + ",\"description\":" +
         jsonString(item.description) + ",\"brand\":" + jsonString(item.brand) +
         ",\"category\":" + jsonString(item.category) + ",\"price\":" +
         std::to_string(item.price) + ",\"updated_at\":" + std::to_string(item.updated_at) + "}";
}

void createShopIndex(connectors::EngineClient& client, const std::string& index,
                     const std::vector<ShopItem>& items, bool knn) {
  const std::string settings = knn ? R"("index.knn":true,)" : "";
  auto created = client.createIndex(
      index, R"({"settings":{)" + settings +
                 R"("number_of_shards":1,"number_of_replicas":0},"mappings":{)"
                 R"("_source":{"excludes":["rr_vector*"]},"properties":{)"
                 R"("title":{"type":"text"},"description":{"type":"text"},)"
                 R"("brand":{"type":"keyword"},"category":{"type":"keyword"},)"
                 R"("price":{"type":"float"},"updated_at":{"type":"date","format":"epoch_millis"}}}})");
  if (!created) FAIL("create index: " << created.error().message);
  for (std::size_t start = 0; start < items.size(); start += 1000) {
    std::vector<connectors::BulkOp> ops;
    for (std::size_t i = start; i < std::min(items.size(), start + 1000); ++i) {
      ops.push_back({connectors::BulkOp::Action::kIndex, index, items[i].id,
                     shopItemJson(items[i])});
    }
    auto r = client.bulk(ops, "true");
    if (!r || !r->allOk()) FAIL("bulk index failed");
  }
}

config::StorefrontConfig shopStorefront(const std::string& name, const std::string& index,
                                        bool with_updated_at) {
  config::StorefrontConfig sf;
  sf.name = name;
  sf.indices = {index};
  sf.sync_index = index;
  sf.fields.id = "_id";
  sf.fields.title = "title";
  sf.fields.description = "description";
  sf.fields.brand = "brand";
  sf.fields.category = "category";
  sf.fields.price = "price";
  if (with_updated_at) sf.fields.updated_at = "updated_at";
  sf.vector.field = "rr_vector";
  sf.vector.mode = config::VectorConfig::Mode::kStored;
  sf.sync.batch_size = 50;
  sf.sync.concurrency = 2;
  sf.sync.page_size = 200;
  return sf;
}

std::shared_ptr<const scoring::Model> randomModel(const std::string& version, uint64_t seed) {
  scoring::ModelDims dims;
  dims.dim = 16;
  dims.brand_buckets = 256;
  dims.category_buckets = 256;
  dims.id_buckets = 256;
  scoring::TokenizerSettings tok;
  tok.buckets = 4096;
  auto model = std::make_shared<scoring::Model>(dims, tok, seed);
  model->version = version;
  return model;
}

std::map<std::string, StoredVector> readVectors(connectors::EngineClient& client,
                                                const std::string& index,
                                                const std::string& field) {
  std::map<std::string, StoredVector> out;
  connectors::ScanRequest scan;
  scan.index = index;
  scan.source = "false";
  scan.extra_body = "\"docvalue_fields\":[" + connectors::jsonString(field) + "," +
                    connectors::jsonString(field + "_m") + "]";
  auto r = client.scan(scan, [&](const connectors::SearchResponse& page) {
    for (const auto& hit : page.hits) {
      StoredVector& sv = out[std::string(hit.id)];
      if (hit.fields.empty()) continue;
      simdjson::padded_string padded(hit.fields);
      simdjson::ondemand::parser parser;
      auto doc = parser.iterate(padded);
      std::string_view b64, meta;
      if (!doc[field].at(0).get_string().get(b64)) {
        REQUIRE(index_sync::decodeVector(b64, sv.vector));
      }
      if (!doc[field + "_m"].at(0).get_string().get(meta)) sv.meta = std::string(meta);
    }
    return true;
  });
  if (!r) FAIL("scan: " << r.error().message);
  return out;
}

std::vector<float> expectedVector(const scoring::Model& model, const ShopItem& item) {
  scoring::ItemText text{item.id, item.title, item.description, item.brand, item.category,
                         item.price};
  std::vector<float> v(static_cast<std::size_t>(model.dim()));
  model.itemVector(model.itemInput(text), v.data());
  return v;
}

}  // namespace rr::testing
