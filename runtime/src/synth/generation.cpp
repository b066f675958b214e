#include "receptor/synth/generation.hpp"

#include <cstdio>
#include <fstream>

#include "receptor/master/master_set.hpp"
#include "receptor/model/receipt_batch.hpp"

namespace receptor::synth {

bool keep_only(kind_shares& shares, std::string_view kind) {
  kind_shares only{0, 0, 0, 0, 0};
  if (kind == "medical") {
    only.medical_outpatient = shares.medical_outpatient;
    only.medical_inpatient = shares.medical_inpatient;
  } else if (kind == "dpc") {
    only.dpc = 1;
  } else if (kind == "dental") {
    only.dental = 1;
  } else if (kind == "pharmacy") {
    only.pharmacy = 1;
  } else {
    return false;
  }
  shares = only;
  return true;
}

std::string manifest_json(const generation_result& result, const options& month) {
  std::string out = "{\"seed\":" + std::to_string(month.seed) + ",\"month\":" + std::to_string(month.month)
                    + ",\"payer_side\":" + (month.payer_side ? "true" : "false") + ",\"files\":[";
  bool first = true;
  for (auto& f : result.files) {
    out += first ? "\n" : ",\n";
    first = false;
    out += "{\"file\":\"" + f.path.filename().string() + "\",\"kind\":\"" + model::to_string(f.kind)
           + "\",\"bytes\":" + std::to_string(f.bytes) + ",\"records\":" + std::to_string(f.records)
           + ",\"receipts\":" + std::to_string(f.receipts) + ",\"points\":" + std::to_string(f.points)
           + ",\"claimed_points\":" + std::to_string(f.claimed_points) + ",\"claims\":" + std::to_string(f.claims)
           + ",\"corrected_receipts\":" + std::to_string(f.corrected_receipts) + ",\"ko_by_law\":{";
    bool first_law = true;
    for (size_t law = 0; law < f.ko_by_law.size(); ++law) {
      if (!f.ko_by_law[law])
        continue;
      char key[8];
      std::snprintf(key, sizeof key, "%02zu", law);
      out += (first_law ? "\"" : ",\"") + std::string{key} + "\":" + std::to_string(f.ko_by_law[law]);
      first_law = false;
    }
    out += "}}";
  }
  out += "\n]}\n";
  return out;
}

expected<generation_result> generate(const generation_request& request) {
  population_options people;
  people.seed = request.month.seed;
  people.receipts = request.month.receipts;
  people.reference_month = request.month.month;
  auto pop = make_population(people);
  auto codes = request.masters ? catalog_from_masters(*request.masters, request.month.seed) : builtin_catalog();
  auto files = generate_month(request.month, codes, pop, request.out_dir);
  if (!files)
    return files.error_value();
  generation_result result;
  result.files = std::move(*files);
  for (auto& f : result.files) {
    result.receipts += f.receipts;
    result.bytes += f.bytes;
  }
  auto manifest = request.out_dir / "manifest.json";
  std::ofstream out(manifest, std::ios::binary);
  out << manifest_json(result, request.month);
  if (!out)
    return make_error(ec::io_error, manifest.string() + ": cannot write");
  return result;
}

} // namespace receptor::synth
