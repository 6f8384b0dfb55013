"""natlat_compress: compressors stand in for a universal prior."""
__version__ = "0.1.0"
