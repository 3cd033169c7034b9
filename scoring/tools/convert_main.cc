// rerank-convert: turns the public data sets of ../shared/data into the
// catalog and event-log files the training tools read (formats in
// scoring/data/product.h and scoring/data/event.h).
//
//   rerank-convert bestbuy           --data ../shared/data/bestbuy-xbox      --out DIR
//   rerank-convert amazon-office     --data ../shared/data/amazon-office     --out DIR
//                                    [--clock real|aligned]
//   rerank-convert amazon-scientific --data ../shared/data/amazon-scientific --out DIR
//
// --clock aligned (amazon-office only) puts every user's history on the
// end-aligned daily clock of the Scientific conversion, with a training
// search per purchase (see amazon_office_converter.h); the default keeps
// the real times.
// Writes DIR/catalog.jsonl and DIR/events.jsonl and prints the counts. Bad
// arguments, a missing directory or file, or a malformed row: a message
// naming the flag or file:line, and exit status 2. Failing to write: 1.
#include <chrono>
#include <cstdio>
#include <expected>
#include <functional>
#include <string>

#include "scoring/data/amazon_office_converter.h"
#include "scoring/data/amazon_scientific_converter.h"
#include "scoring/data/bestbuy_converter.h"
#include "scoring/data/data_set.h"
#include "scoring/tools/convert_flags.h"
#include "scoring/tools/tool_args.h"

namespace {

namespace data = rr::scoring::data;
namespace tools = rr::scoring::tools;

constexpr int kBadInput = 2;
constexpr int kWriteFailed = 1;

using Converter = std::function<std::expected<data::DataSet, data::LoadError>(const std::string&)>;

std::optional<Converter> converterFor(const std::string& set, data::OfficeClock clock) {
  if (set == "bestbuy") return Converter(data::convertBestBuy);
  if (set == "amazon-office") {
    return Converter([clock](const std::string& dir) { return data::convertAmazonOffice(dir, clock); });
  }
  if (set == "amazon-scientific") return Converter(data::convertAmazonScientific);
  return std::nullopt;
}

int fail(int status, const std::string& message) {
  std::fprintf(stderr, "rerank-convert: %s\n", message.c_str());
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || tools::isHelpFlag(argv[1])) {
    std::fputs(tools::usageText(tools::kConvertCli).c_str(), argc < 2 ? stderr : stdout);
    return argc < 2 ? kBadInput : 0;
  }
  const std::string set = argv[1];
  auto args = tools::ToolArgs::parse(argc, argv, 2, tools::kConvertCli);
  if (!args) return fail(kBadInput, args.error() + " (see rerank-convert --help)");
  if (args->helpRequested()) {
    std::fputs(tools::usageText(tools::kConvertCli).c_str(), stdout);
    return 0;
  }
  auto clock = data::OfficeClock::kReal;
  if (auto name = args->get("clock")) {
    if (set != "amazon-office") return fail(kBadInput, "--clock: only for amazon-office");
    if (*name == "aligned") {
      clock = data::OfficeClock::kEndAligned;
    } else if (*name != "real") {
      return fail(kBadInput, "--clock: '" + *name + "' is not real or aligned");
    }
  }
  auto convert = converterFor(set, clock);
  if (!convert) {
    return fail(kBadInput, "unknown data set '" + set +
                               "' (expected bestbuy, amazon-office or amazon-scientific)");
  }
  auto dir = args->require("data");
  if (!dir) return fail(kBadInput, dir.error());
  auto out = args->require("out");
  if (!out) return fail(kBadInput, out.error());

  const auto start = std::chrono::steady_clock::now();
  auto converted = (*convert)(*dir);
  if (!converted) return fail(kBadInput, converted.error().toString());
  if (auto written = data::writeDataSet(*out, *converted); !written) {
    return fail(kWriteFailed, written.error());
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  std::printf("%s -> %s/catalog.jsonl, %s/events.jsonl\n", set.c_str(), out->c_str(),
              out->c_str());
  for (const auto& [name, value] : converted->counts) {
    std::printf("  %-46s %lld\n", name.c_str(), static_cast<long long>(value));
  }
  std::printf("  %-46s %.2f\n", "seconds", seconds);
  return 0;
}
