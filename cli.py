"""``python cli.py ...`` is ``natlat ...``: the same command line, from a checkout."""

from natlat_compress.cli import main

if __name__ == "__main__":
    main()
