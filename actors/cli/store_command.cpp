#include <cstdio>
#include <cstdlib>
#include <string>

#include "cli/commands.hpp"
#include "receptor/actors/engine.hpp"

namespace receptor::cli {

namespace {

constexpr const char* help = R"(usage: receptor store purge --store DIR --older-than-months N

Retention (docs/privacy.md): removes from the store in DIR every receipt
delivery, with its kept claims, whose care months all lie more than N months
before the newest care month the store holds, and the store's latest.h5 (it
holds their rows; the next `receptor run --store` matches what remains in
full). Files no index line names (left by a crash) are removed too. Feed
deliveries are kept. One audit entry is appended to the log named by
RECEPTOR_AUDIT_LOG, else to DIR/audit.jsonl. Do not run it beside an ingest
of the same store.

exit status: 0 done (also when nothing was old enough), 2 bad arguments or
an unreadable store, 1 internal error.
)";

} // namespace

int store(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::fputs(help, args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  if (args[0] != "purge") {
    std::fprintf(stderr, "receptor store: unknown subcommand '%s'\n\n%s", args[0].c_str(), help);
    return 2;
  }
  std::string dir;
  long months = -1;
  for (size_t i = 1; i < args.size(); ++i) {
    auto& a = args[i];
    if (a == "--help" || a == "-h") {
      std::fputs(help, stdout);
      return 0;
    }
    if (i + 1 >= args.size()) {
      std::fprintf(stderr, "receptor store purge: %s needs a value\n", a.c_str());
      return 2;
    }
    if (a == "--store") {
      dir = args[++i];
    } else if (a == "--older-than-months") {
      char* end = nullptr;
      months = std::strtol(args[++i].c_str(), &end, 10);
      if (*end != '\0' || months < 0 || months > 1200) {
        std::fprintf(stderr, "receptor store purge: --older-than-months must be a number of months, not '%s'\n",
                     args[i].c_str());
        return 2;
      }
    } else {
      std::fprintf(stderr, "receptor store purge: unknown option '%s'\n", a.c_str());
      return 2;
    }
  }
  if (dir.empty() || months < 0) {
    std::fputs("receptor store purge: --store and --older-than-months are required\n", stderr);
    return 2;
  }
  actors::engine engine;
  auto report = engine.purge(dir, static_cast<uint32_t>(months));
  if (!report) {
    std::fprintf(stderr, "receptor store purge: %s\n", report.error_value().message.c_str());
    return 2;
  }
  std::fprintf(stderr,
               "receptor store purge: newest care month %u, removed %zu deliveries (%llu receipts) with months "
               "before %u; kept %llu (%llu not yet read); %llu leftover files removed\n",
               report->newest_month, report->deliveries.size(), static_cast<unsigned long long>(report->claims),
               report->cutoff_month, static_cast<unsigned long long>(report->kept),
               static_cast<unsigned long long>(report->unknown), static_cast<unsigned long long>(report->orphans));
  return 0;
}

} // namespace receptor::cli
