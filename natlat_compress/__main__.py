"""``python -m natlat_compress`` runs the ``natlat`` command line."""

from .cli import main

if __name__ == "__main__":
    main()
