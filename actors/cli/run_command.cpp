#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "cli/commands.hpp"
#include "receptor/actors/engine.hpp"

namespace receptor::cli {

namespace {

constexpr const char* help = R"(usage: receptor run --receipts PATH... --recipients F --tickets F
                    [--other-schemes F] --out RESULTS.h5 [--shards N] [--threads N]
                    [--masters DIR] [--config FILE] [--store DIR]

Reads the receipt files (PATH: a file, or a folder searched for *.UKE, *.CYO
and *RECODEINFO*.CSV), matches them against the office's feed (資格点検) and
writes RESULTS.h5 atomically. --tickets may be given more than once (later
deliveries). Then runs the checks of docs/checks.md and the anomaly scores
with the thresholds of --config (default: the built-in values, listed in
data/config/receptor.conf) and the 支払基金 masters of --masters (default:
$RECEPTOR_MASTERS, else data/masters of the source tree). Progress on stderr;
a summary at the end.

With --store DIR (the nightly batch), every given file is added to the
embedded store in DIR unless a file with the same content is held (it is
then skipped), and the run covers everything the store holds: the feed
deliveries in the order they came and every receipt delivery, reading only
the new ones.

exit status: 0 done, 2 bad input that stopped the run, 1 internal error.
)";

} // namespace

int run(const std::vector<std::string>& args) {
  actors::engine_options options;
  std::vector<std::filesystem::path> receipts;
  std::vector<std::pair<feed::feed_file, std::string>> feed_files;
  std::string out;
  std::string store;
  bool quiet = false;
  for (size_t i = 0; i < args.size(); ++i) {
    auto& a = args[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= args.size()) {
        std::fprintf(stderr, "receptor run: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return args[++i];
    };
    if (a == "--help" || a == "-h") {
      std::fputs(help, stdout);
      return 0;
    } else if (a == "--receipts") {
      receipts.emplace_back(value());
      while (i + 1 < args.size() && args[i + 1].rfind("--", 0) != 0)
        receipts.emplace_back(args[++i]);
    } else if (a == "--recipients") {
      feed_files.emplace_back(feed::feed_file::recipients, value());
    } else if (a == "--tickets") {
      feed_files.emplace_back(feed::feed_file::tickets, value());
    } else if (a == "--other-schemes") {
      feed_files.emplace_back(feed::feed_file::other_schemes, value());
    } else if (a == "--out") {
      out = value();
    } else if (a == "--masters") {
      options.masters_dir = value();
    } else if (a == "--config") {
      options.config_file = value();
    } else if (a == "--shards") {
      options.shards = static_cast<uint32_t>(std::strtoul(value().c_str(), nullptr, 10));
    } else if (a == "--threads") {
      options.threads = static_cast<uint32_t>(std::strtoul(value().c_str(), nullptr, 10));
    } else if (a == "--store") {
      store = value();
    } else if (a == "--quiet") {
      quiet = true;
    } else {
      std::fprintf(stderr, "receptor run: bad option '%s'\n\n%s", a.c_str(), help);
      return 2;
    }
  }
  if (receipts.empty() || out.empty()) {
    std::fprintf(stderr, "receptor run: --receipts and --out are required\n\n%s", help);
    return 2;
  }
  actors::engine engine{options};
  if (!quiet) {
    // On a terminal the counter is redrawn in place; in a log (the nightly
    // batch) each stage writes one line when it ends, not one per file.
    bool terminal = ::isatty(STDERR_FILENO) != 0;
    engine.on_progress([terminal](const actors::progress& p) {
      if (!terminal && p.done != p.total)
        return;
      std::fprintf(stderr, "%s%-6s %llu/%llu   ", terminal ? "\r" : "", p.stage.c_str(),
                   static_cast<unsigned long long>(p.done), static_cast<unsigned long long>(p.total));
      if (p.done == p.total)
        std::fputc('\n', stderr);
    });
  }
  std::vector<std::pair<feed::feed_file, std::filesystem::path>> feed_paths(feed_files.begin(), feed_files.end());
  // The feed loads while the receipts are parsed (store mode reads it from the store).
  auto summary = store.empty() ? engine.run(receipts, out, feed_paths) : engine.ingest(store, receipts, feed_paths, out);
  engine.close();
  if (!summary) {
    std::fprintf(stderr, "receptor run: %s\n", summary.error_value().message.c_str());
    return summary.error_value().code == ec::unexpected ? 1 : 2;
  }
  std::fprintf(stderr, "receptor run: %llu files (%llu read, %llu already held), %llu receipts, %llu quarantined rows -> "
                       "%s (%.2f s: read %.2f, match %.2f, write %.2f; at most %llu messages waiting at a SHARD)\n",
               static_cast<unsigned long long>(summary->files), static_cast<unsigned long long>(summary->parsed),
               static_cast<unsigned long long>(summary->skipped), static_cast<unsigned long long>(summary->receipts),
               static_cast<unsigned long long>(summary->quarantined), out.c_str(), summary->total_seconds,
               summary->read_seconds, summary->match_seconds, summary->write_seconds,
               static_cast<unsigned long long>(summary->peak_shard_mailbox));
  for (auto& [status, n] : summary->by_status)
    std::fprintf(stderr, "  %-24s %llu\n", status.empty() ? "(not 12/25)" : status.c_str(),
                 static_cast<unsigned long long>(n));
  for (auto& [code, n] : summary->findings_by_code)
    std::fprintf(stderr, "  finding %-16s %llu\n", code.c_str(), static_cast<unsigned long long>(n));
  return 0;
}

} // namespace receptor::cli
