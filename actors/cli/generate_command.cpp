#include <cstdio>

#include "cli/commands.hpp"

namespace receptor::cli {

int generate(const std::vector<std::string>&) {
  std::fputs("receptor generate: not built yet\n", stderr);
  return 1;
}

} // namespace receptor::cli
