"""Reports on results: the figures, their labels in English and Chinese, and the brief."""
