"""madoguchi benchmarks (issue 3): `python -m bench` runs them all and prints figures.

They print figures and write JSON summaries under bench/results/; they are not tests and
never fail on a goal.
"""
