#include <cstdio>

#include "cli/commands.hpp"
#include "receptor/uke/reader.hpp"
#include "receptor/uke/summary.hpp"

namespace receptor::cli {

int inspect(const std::vector<std::string>& args) {
  bool json = false;
  std::vector<std::string> files;
  for (auto& a : args) {
    if (a == "--json")
      json = true;
    else if (a == "--help" || a == "-h") {
      std::puts("usage: receptor inspect FILE... [--json]\n\n"
                "Parses receipt files (医科, DPC, 歯科, 調剤; institution side or payer-side\n"
                "レセ電コード情報ファイル) and prints one summary per file. --json prints one JSON\n"
                "object per file per line. Exit 0 if every file parsed (warnings allowed),\n"
                "2 if a file could not be read at all.");
      return 0;
    } else if (!a.empty() && a[0] == '-') {
      std::fprintf(stderr, "receptor inspect: unknown option '%s'\n", a.c_str());
      return 2;
    } else
      files.push_back(a);
  }
  if (files.empty()) {
    std::fputs("receptor inspect: no FILE given\n", stderr);
    return 2;
  }
  int status = 0;
  for (auto& f : files) {
    auto batch = uke::read_file(f);
    if (!batch) {
      std::fprintf(stderr, "receptor inspect: %s\n", batch.error_value().message.c_str());
      status = 2;
      continue;
    }
    auto summary = uke::summarize(*batch);
    if (summary.kind == model::receipt_kind::unknown)
      status = 2; // nothing in it could be read as receipts
    auto text = json ? uke::to_json(summary, *batch) + "\n" : uke::to_text(summary, *batch);
    std::fwrite(text.data(), 1, text.size(), stdout);
  }
  return status;
}

} // namespace receptor::cli
