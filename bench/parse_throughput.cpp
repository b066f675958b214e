// Parse throughput of the receipt reader on one core: MB/s, receipts/s and
// peak memory (max RSS) against the input size.
//
//   parse_throughput FILE [--repeat N]
//
// Each repetition streams the file from the page cache into a fresh batch;
// the best run is reported (the first one warms the cache). CPU time (user +
// system) is reported beside wall time: on a shared 2-core machine it is the
// honest per-core figure.

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "receptor/uke/reader.hpp"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fputs("usage: parse_throughput FILE [--repeat N]\n", stderr);
    return 2;
  }
  int repeat = 3;
  for (int i = 2; i + 1 < argc; ++i)
    if (!std::strcmp(argv[i], "--repeat"))
      repeat = std::atoi(argv[i + 1]);
  double best = 1e30, best_cpu = 1e30;
  auto cpu_seconds = [] {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    auto tv = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
    return tv(u.ru_utime) + tv(u.ru_stime);
  };
  uint64_t bytes = 0, receipts = 0, lines = 0, quarantined = 0;
  for (int r = 0; r < repeat; ++r) {
    auto cpu_start = cpu_seconds();
    auto start = std::chrono::steady_clock::now();
    auto batch = receptor::uke::read_file(argv[1]);
    auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    auto cpu = cpu_seconds() - cpu_start;
    if (!batch) {
      std::fprintf(stderr, "%s\n", batch.error_value().message.c_str());
      return 2;
    }
    bytes = batch->bytes;
    receipts = batch->receipts.size();
    lines = batch->lines;
    quarantined = batch->quarantine.size();
    if (seconds < best)
      best = seconds;
    if (cpu < best_cpu)
      best_cpu = cpu;
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  double mb = static_cast<double>(bytes) / 1e6;
  double peak_mb = static_cast<double>(usage.ru_maxrss) / 1024.0;
  std::printf("file: %s\n", argv[1]);
  std::printf("bytes: %llu  lines: %llu  receipts: %llu  quarantined: %llu\n",
              static_cast<unsigned long long>(bytes), static_cast<unsigned long long>(lines),
              static_cast<unsigned long long>(receipts), static_cast<unsigned long long>(quarantined));
  std::printf("best of %d: %.3f s  %.0f MB/s  %.0f receipts/s  %.1f M lines/s\n", repeat, best,
              mb / best, static_cast<double>(receipts) / best, static_cast<double>(lines) / best / 1e6);
  std::printf("CPU (user+sys), best: %.3f s  %.0f MB/s per core  %.0f receipts/s per core\n", best_cpu,
              mb / best_cpu, static_cast<double>(receipts) / best_cpu);
  std::printf("peak RSS: %.0f MB = %.2f x input\n", peak_mb, peak_mb / mb);
  return 0;
}
