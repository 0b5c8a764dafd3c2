"""Demo content: the seed site, and synthetic publications in bulk for benchmarks."""
