"""``python -m receptor``: runs the native ``receptor`` command."""

import os
import shutil
import subprocess
import sys


def main() -> int:
    exe = os.environ.get("RECEPTOR_BIN") or shutil.which("receptor")
    if not exe:
        print("receptor: the native `receptor` executable is not on PATH", file=sys.stderr)
        return 1
    return subprocess.call([exe, *sys.argv[1:]])


if __name__ == "__main__":
    sys.exit(main())
