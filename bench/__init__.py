"""The benchmark suite (issue 7): `bash scripts/bench` runs every benchmark and writes
docs/BENCHMARKS.md. Each benchmark is a module with `run(smoke: bool) -> Section`; the
smoke run (tiny sizes, one repetition) is what tests/test_bench_smoke*.py call, so the
suite cannot rot."""
