#pragma once

#include <string>
#include <vector>

namespace receptor::cli {

/// `receptor inspect FILE... [--json]`: exit 0 if every file parsed, 2 if one could not be read.
int inspect(const std::vector<std::string>& args);

/// `receptor run --receipts PATH... --recipients F --tickets F --out RESULTS.h5`: the batch.
int run(const std::vector<std::string>& args);

/// `receptor generate --out DIR [options]`: writes a generated month of receipts.
int generate(const std::vector<std::string>& args);

/// `receptor store purge --store DIR --older-than-months N`: retention.
int store(const std::vector<std::string>& args);

} // namespace receptor::cli
