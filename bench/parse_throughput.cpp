// Parse throughput of the receipt reader on one core: MB/s, receipts/s and
// peak memory (max RSS) against the input size.
//
//   parse_throughput FILE [--repeat N]
//
// Each repetition streams the file from the page cache into a fresh batch;
// the best run is reported (the first one warms the cache).

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
  double best = 1e30;
  uint64_t bytes = 0, receipts = 0, lines = 0, quarantined = 0;
  for (int r = 0; r < repeat; ++r) {
    auto start = std::chrono::steady_clock::now();
    auto batch = receptor::uke::read_file(argv[1]);
    auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
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
  std::printf("peak RSS: %.0f MB = %.2f x input\n", peak_mb, peak_mb / mb);
  return 0;
}
