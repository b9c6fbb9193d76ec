"""The jobs the scheduler and the CLI run: fetch, classify, and the periodic ones later areas add."""
