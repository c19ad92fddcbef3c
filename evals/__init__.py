"""Offline evaluation: a fixed Q&A set, metrics over `planbot ask` answers, a report. Nothing imports evals."""
