"""``python -m receptor``: Python subcommands here, everything else to the native ``receptor``.

``render`` and ``worklist`` (and ``audit`` where installed) live in
:mod:`receptor.commands`; the native executable hands those names back here,
so both ``receptor render ...`` and ``python -m receptor render ...`` work.
Everything else goes to the native executable (``RECEPTOR_BIN`` or
``receptor`` on PATH).
"""

import os
import shutil
import subprocess
import sys

from .commands import HANDED_OVER, available, load


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    command = argv[0] if argv else ""
    if command in HANDED_OVER:
        try:
            module = load(command)
        except ImportError:
            print(f"receptor: '{command}' is not part of this installation "
                  f"(Python subcommands here: {', '.join(available())})", file=sys.stderr)
            return 2
        return module.main(argv[1:])
    if os.environ.get("RECEPTOR_HANDED_OVER"):  # came from the native executable: never send it back
        print(f"receptor: unknown command '{command}'", file=sys.stderr)
        return 2
    exe = os.environ.get("RECEPTOR_BIN") or shutil.which("receptor")
    if not exe:
        print("receptor: the native `receptor` executable is not on PATH "
              f"(Python subcommands: {', '.join(available())})", file=sys.stderr)
        return 1
    return subprocess.call([exe, *argv])


if __name__ == "__main__":
    sys.exit(main())
