// The config schema: which keys each section has, their types, ranges and
// defaults, and the rules that relate several keys. Reads one YAML document
// into a Config.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string_view>

#include "config/config.h"
#include "config/detail/yaml_reader.h"

namespace rr::config::detail {

// Fills `out` from the document root; false with the first problem recorded
// in `reader`. `base_dir` resolves relative `model` and `ca_file` paths.
bool readConfig(Reader& reader, const YAML::Node& root, std::string_view base_dir, Config& out);

}  // namespace rr::config::detail
