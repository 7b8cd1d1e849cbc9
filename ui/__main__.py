"""``python -m jianggao.ui [options]``: the same as ``jianggao serve [options]`` (start the web interface)."""
import sys

from jianggao.ui.cli import main

if __name__ == "__main__":
    sys.exit(main(["serve", *sys.argv[1:]]))
