"""``python -m receptor``: Python-side subcommands, everything else to the native ``receptor``.

A subcommand named in :data:`PYTHON_COMMANDS` runs
``receptor.commands.<name>.main(argv)``; the rest goes to the native
executable (``RECEPTOR_BIN`` or ``receptor`` on PATH).
"""

import importlib
import os
import shutil
import subprocess
import sys

PYTHON_COMMANDS = ("audit",)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] in PYTHON_COMMANDS:
        command = importlib.import_module(f"receptor.commands.{argv[0]}")
        return command.main(argv[1:])
    exe = os.environ.get("RECEPTOR_BIN") or shutil.which("receptor")
    if not exe:
        print("receptor: the native `receptor` executable is not on PATH", file=sys.stderr)
        return 1
    return subprocess.call([exe, *argv])


if __name__ == "__main__":
    sys.exit(main())
