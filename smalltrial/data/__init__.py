"""Package data: the SYNTHETIC bundled example trials (one folder per trial).

Each folder holds subjects.csv, measurements.csv, events.csv, parameters.csv and description.md,
written by scripts/make_datasets.py. Load them with :func:`smalltrial.datasets.load`.
"""
