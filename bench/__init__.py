"""Dataset generator and benchmark suite; results go to docs/benchmarks.md."""
