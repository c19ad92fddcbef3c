"""The left-out-word probe (evals/probe_left_out_words.py): its variants, its gain and its ROC AUC, on
hand-made questions and vectors."""

import numpy as np

from evals.probe_left_out_words import left_out_gain, left_out_variants, roc_auc


def test_variants_leave_out_one_content_word_each():
    assert left_out_variants("Siapa wakil gubernur Jakarta?") == [
        "Siapa gubernur Jakarta?", "Siapa wakil Jakarta?", "Siapa wakil gubernur"]
    assert left_out_variants("Apa itu?") == []


def test_gain_is_how_much_closer_a_shortened_question_comes():
    passage = np.array([1.0, 0.0])
    # the question and its three variants; leaving out the third word brings it closest to the passage
    vectors = {"a b c": [0.6, 0.8], "b c": [0.5, 0.866], "a c": [0.6, 0.8], "a b": [0.9, 0.436]}
    embed = lambda texts: np.array([vectors[t] for t in texts])
    assert abs(left_out_gain("a b c", passage, embed) - 0.3) < 1e-9
    assert left_out_gain("a", passage, embed) == 0.0  # one content word: nothing to compare


def test_roc_auc_counts_ties_half():
    y = np.array([1, 1, 0, 0])
    assert roc_auc(np.array([0.9, 0.8, 0.2, 0.1]), y) == 1.0
    assert roc_auc(np.array([0.1, 0.2, 0.8, 0.9]), y) == 0.0
    assert roc_auc(np.array([0.5, 0.5, 0.5, 0.5]), y) == 0.5
