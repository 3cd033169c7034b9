// One entry of `storefronts`: its keys, ranges and defaults, and the rules
// that relate them (required keys, indices or host, the sync index).
#pragma once

#include <string_view>
#include <vector>

#include "config/config.h"
#include "config/detail/yaml_reader.h"

namespace rr::config::detail {

// Fills `out` from `field` (storefronts[i]); false with the first problem
// recorded in `reader`. `previous` are the storefronts before it, for the
// unique name and host rules; `base_dir` resolves a relative model path.
bool readStorefront(Reader& reader, const Field& field, std::string_view base_dir,
                    const std::vector<StorefrontConfig>& previous, StorefrontConfig& out);

}  // namespace rr::config::detail
