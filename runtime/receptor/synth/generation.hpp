#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "receptor/error.hpp"
#include "receptor/synth/generator.hpp"

namespace receptor::master {
class master_set;
}

namespace receptor::synth {

/// Everything one `receptor generate` needs: the month, where to write it,
/// and optionally the masters to draw codes from.
struct generation_request {
  options month;
  std::filesystem::path out_dir;
  const master::master_set* masters = nullptr; ///< null: the built-in catalog
};

/// What was written, with the truth a reader is checked against.
struct generation_result {
  std::vector<file_info> files;
  uint64_t receipts = 0;
  uint64_t bytes = 0;
};

/// Makes the population, plans the month, writes the files and
/// `out_dir/manifest.json` (one object per file with its expected totals).
expected<generation_result> generate(const generation_request& request);

/// Sets every share but `kind` (medical, dpc, dental, pharmacy) to zero.
/// False if `kind` names none of them.
bool keep_only(kind_shares& shares, std::string_view kind);

/// The manifest as JSON text.
std::string manifest_json(const generation_result& result, const options& month);

} // namespace receptor::synth
