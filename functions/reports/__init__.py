"""Reports function: learning points, the host's report, the public summary and the impact note."""
