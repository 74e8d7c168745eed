"""Package data: the bundled analysis specs (``mackensen2022.toml``, ``muller2024.toml``).

They are identical to the repository's ``analyses/`` folder (a test checks it); run one with
``smalltrial run`` (mackensen2022 is the default) or ``smalltrial.pipeline.run("muller2024")``.
"""
