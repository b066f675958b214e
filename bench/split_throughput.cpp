// The floor under the reader: splitting every line of a file into fields,
// nothing else. `split_throughput FILE` reads the file into memory first.

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "uke/fields.hpp"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fputs("usage: split_throughput FILE\n", stderr);
    return 2;
  }
  std::ifstream in(argv[1], std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  auto data = ss.str();
  receptor::uke::detail::split_fields fields;
  double best = 1e30;
  uint64_t checksum = 0;
  for (int rep = 0; rep < 3; ++rep) {
    auto start = std::chrono::steady_clock::now();
    const char* p = data.data();
    const char* end = p + data.size();
    while (p < end) {
      auto* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
      if (!nl)
        nl = end;
      receptor::uke::detail::split({p, static_cast<size_t>(nl - p)}, fields);
      checksum += fields.count + fields.nonempty[0];
      p = nl + 1;
    }
    auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (seconds < best)
      best = seconds;
  }
  std::printf("split only, best of 3: %.0f MB/s (checksum %llu)\n", static_cast<double>(data.size()) / best / 1e6,
              static_cast<unsigned long long>(checksum));
  return 0;
}
