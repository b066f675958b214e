"""Python-side subcommands of ``receptor``: each module has ``main(argv) -> int``."""
