"""bench/estimator_foreign.py: one seed's day is scored, or its error reported, never raised."""

from __future__ import annotations

from bench.estimator_foreign import one


def test_one_seed_gives_scores_or_the_error_that_stopped_it() -> None:
    out = one(1, "ward")
    assert out["seed"] == 1 and out["rows"] > 200
    assert ("scores" in out) != ("error" in out)


def test_a_ward_log_without_its_left_rows_is_scored_for_every_estimator() -> None:
    out = one(2, "ward", drop_left=True)
    assert "error" not in out, out.get("error")
    assert out["tickets"] > 200
    assert {"estimator", "queue_length", "head_of_line"} <= set(out["scores"])
    assert 0 < out["scores"]["estimator"]["mae_min"] < 60
