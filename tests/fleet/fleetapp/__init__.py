"""A tenant app for fleet tests and the benchmark; its migrations come in stages (``pool``)."""
