// rerank-simulate: shoppers with hidden preferences (see
// scoring/data/shopper_simulator.h), for training and checking a
// personalized ranker where the truth is known.
//
//   rerank-simulate (--generate N | --catalog FILE | --retrotech PATH)
//                   [--users U] [--searches-per-user S] [--seed K]
//                   [--impressions R] --out DIR
//
// --generate N     a synthetic catalog of N products (10 categories, 12 brands)
// --catalog FILE   a catalog file (JSON Lines, scoring/data/product.h)
// --retrotech PATH the retrotech products: products.tgz (unpacked with tar
//                  into a temporary directory) or an unpacked products.csv
// Products without a price get one (catalog_generator.h), so DIR/catalog.jsonl
// is the catalog the shoppers saw. Writes DIR/catalog.jsonl,
// DIR/events.jsonl and DIR/truth.json. Bad arguments or input: a message
// naming the flag or file:line, exit status 2. Failing to write: 1.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "scoring/data/catalog_generator.h"
#include "scoring/data/catalog_io.h"
#include "scoring/data/data_set.h"
#include "scoring/data/retrotech_catalog.h"
#include "scoring/data/shopper_simulator.h"
#include "scoring/tools/simulate_flags.h"
#include "scoring/tools/tool_args.h"

namespace {

namespace data = rr::scoring::data;
namespace fs = std::filesystem;
namespace tools = rr::scoring::tools;

constexpr int kBadInput = 2;
constexpr int kWriteFailed = 1;

int fail(int status, const std::string& message) {
  std::fprintf(stderr, "rerank-simulate: %s\n", message.c_str());
  return status;
}

// `text` quoted for /bin/sh.
std::string shellQuote(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out.push_back(c);
    }
  }
  return out + "'";
}

std::expected<std::vector<data::Product>, std::string> readRetrotech(const std::string& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return std::unexpected(path + ": no such file");
  if (!path.ends_with(".tgz") && !path.ends_with(".tar.gz")) {
    auto products = data::readRetrotechCatalog(path);
    if (!products) return std::unexpected(products.error().toString());
    return *products;
  }
  const fs::path dir =
      fs::temp_directory_path(ec) / ("rerank-simulate-" + std::to_string(::getpid()));
  if (!ec) fs::create_directories(dir, ec);
  if (ec) return std::unexpected(dir.string() + ": cannot create: " + ec.message());
  const std::string command =
      "tar -xzf " + shellQuote(path) + " -C " + shellQuote(dir.string()) + " products.csv";
  const int status = std::system(command.c_str());
  std::expected<std::vector<data::Product>, std::string> result;
  if (status != 0) {
    result = std::unexpected(path + ": could not unpack products.csv with tar (" + command + ")");
  } else {
    auto products = data::readRetrotechCatalog((dir / "products.csv").string());
    if (products) {
      result = std::move(*products);
    } else {
      // Name the file inside the archive, not the temporary copy.
      data::LoadError error = products.error();
      error.file = path + ":products.csv";
      result = std::unexpected(error.toString());
    }
  }
  fs::remove_all(dir, ec);
  return result;
}

std::expected<std::vector<data::Product>, std::string> loadCatalog(
    const tools::ToolArgs& args, uint64_t seed) {
  const int sources = static_cast<int>(args.has("generate")) +
                      static_cast<int>(args.has("catalog")) +
                      static_cast<int>(args.has("retrotech"));
  if (sources != 1) {
    return std::unexpected("give exactly one of --generate N, --catalog FILE, --retrotech PATH");
  }
  if (args.has("generate")) {
    auto count = args.integer("generate", 0, 1);
    if (!count) return std::unexpected(count.error());
    return data::generateCatalog(static_cast<std::size_t>(*count), seed);
  }
  if (args.has("catalog")) {
    auto products = data::readCatalog(*args.get("catalog"));
    if (!products) return std::unexpected(products.error().toString());
    return *products;
  }
  return readRetrotech(*args.get("retrotech"));
}

bool writeText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  return static_cast<bool>(out);
}

}  // namespace

int main(int argc, char** argv) {
  auto args = tools::ToolArgs::parse(argc, argv, 1, tools::kSimulateCli);
  if (!args) return fail(kBadInput, args.error() + " (see rerank-simulate --help)");
  if (args->helpRequested()) {
    std::fputs(tools::usageText(tools::kSimulateCli).c_str(), stdout);
    return 0;
  }
  data::SimulationSettings settings;
  auto users = args->integer("users", 200, 1);
  if (!users) return fail(kBadInput, users.error());
  auto searches = args->integer("searches-per-user", 5, 0);
  if (!searches) return fail(kBadInput, searches.error());
  auto seed = args->integer("seed", 1, 0);
  if (!seed) return fail(kBadInput, seed.error());
  auto impressions = args->integer("impressions", 20, 1);
  if (!impressions) return fail(kBadInput, impressions.error());
  auto out = args->require("out");
  if (!out) return fail(kBadInput, out.error());
  settings.users = static_cast<std::size_t>(*users);
  settings.searches_per_user = static_cast<std::size_t>(*searches);
  settings.seed = static_cast<uint64_t>(*seed);
  settings.impressions = static_cast<std::size_t>(*impressions);

  const auto start = std::chrono::steady_clock::now();
  auto products = loadCatalog(*args, settings.seed);
  if (!products) return fail(kBadInput, products.error());
  data::fillMissingPrices(*products);
  auto simulator = data::ShopperSimulator::create(std::move(*products), settings);
  if (!simulator) return fail(kBadInput, simulator.error());
  const data::DataSet result = simulator->run();
  if (auto written = data::writeDataSet(*out, result); !written) {
    return fail(kWriteFailed, written.error());
  }
  if (!writeText(*out + "/truth.json", simulator->truthJson())) {
    return fail(kWriteFailed, *out + "/truth.json: cannot be written");
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("simulated -> %s/catalog.jsonl, %s/events.jsonl, %s/truth.json\n", out->c_str(),
              out->c_str(), out->c_str());
  for (const auto& [name, value] : result.counts) {
    std::printf("  %-34s %lld\n", name.c_str(), static_cast<long long>(value));
  }
  std::printf("  %-34s %.2f\n", "seconds", seconds);
  return 0;
}
