"""``python -m safesim``: the command line."""

from safesim.ui.cli import main

if __name__ == "__main__":
    main()
