// The `receptor` command: one executable, one subcommand per job.

#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include "cli/commands.hpp"

namespace {

constexpr const char* usage = R"(usage: receptor COMMAND [ARGS]

commands:
  inspect FILE... [--json]     summarise receipt files (any kind, either side)
  run --receipts PATH... --recipients F --tickets F --out RESULTS.h5
                               match receipts against the office's tickets
  generate --out DIR [...]     write a generated month of receipt files
  store purge --store DIR --older-than-months N
                               retention: remove old receipt deliveries
  version                      print the version

Run `receptor COMMAND --help` for a command's options.
)";

} // namespace

int main(int argc, char** argv) {
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h")) {
    std::fputs(usage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  std::string command = argv[1];
  std::vector<std::string> args(argv + 2, argv + argc);
  try {
    if (command == "inspect")
      return receptor::cli::inspect(args);
    if (command == "generate")
      return receptor::cli::generate(args);
    if (command == "run")
      return receptor::cli::run(args);
    if (command == "store")
      return receptor::cli::store(args);
    if (command == "version" || command == "--version") {
      std::printf("receptor %s\n", RECEPTOR_VERSION);
      return 0;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "receptor %s: internal error: %s\n", command.c_str(), e.what());
    return 1;
  }
  std::fprintf(stderr, "receptor: unknown command '%s'\n\n%s", command.c_str(), usage);
  return 2;
}
