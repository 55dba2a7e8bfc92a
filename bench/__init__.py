"""Benchmarks: a fixed-seed data generator (generate.py) and runners that time pages and report builders against
the generated data (run_reports.py). See bench/README.md and docs/performance.md."""
