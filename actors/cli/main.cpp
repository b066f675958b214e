// The `receptor` command: one executable, one subcommand per job.

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
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

In Python (handed to `python3 -m receptor COMMAND`; needs the receptor package):
  render --results R.h5 KEY [--out FILE.html]
                               one receipt as HTML, laid out like the paper レセプト
  worklist list|update|export|summary|ageing --results R.h5 [...]
                               work the findings: status, outcome, owner, due, note
  audit ...                    the audit log (where installed)

Run `receptor COMMAND --help` for a command's options.
)";

// Subcommands that live in the Python package (python/receptor/commands/).
constexpr const char* python_commands[] = {"render", "worklist", "audit"};

/// Replaces this process by `python3 -m receptor COMMAND ARGS...` (the same argv);
/// $RECEPTOR_PYTHON names another interpreter. Returns only if exec failed.
int hand_to_python(int argc, char** argv) {
  const char* python = std::getenv("RECEPTOR_PYTHON");
  if (!python || !*python)
    python = "python3";
  std::vector<char*> args{const_cast<char*>(python), const_cast<char*>("-m"), const_cast<char*>("receptor")};
  args.insert(args.end(), argv + 1, argv + argc);
  args.push_back(nullptr);
  ::setenv("RECEPTOR_HANDED_OVER", "1", 1); // python -m receptor never hands it back
  ::execvp(python, args.data());
  std::fprintf(stderr, "receptor %s: cannot start %s: %s\n", argv[1], python, std::strerror(errno));
  return 1;
}

} // namespace

int main(int argc, char** argv) {
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h")) {
    std::fputs(usage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  std::string command = argv[1];
  for (const char* name : python_commands)
    if (command == name)
      return hand_to_python(argc, argv);
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
