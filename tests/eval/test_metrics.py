"""Metric functions on small cases whose numbers were computed by hand."""

from __future__ import annotations

import pytest

from kg.eval.metrics import PRF, dice, greedy_match, macro, micro, overlap, set_prf, tokenize, tokens_in
from kg.eval.polnear import Attribution, score_article


def test_prf_hand_computed():
    s = PRF(tp=2, n_pred=3, n_gold=4)
    assert s.precision == pytest.approx(2 / 3)
    assert s.recall == 0.5
    # 2 * (2/3 * 1/2) / (2/3 + 1/2) = (2/3) / (7/6) = 4/7
    assert s.f1 == pytest.approx(4 / 7)


def test_prf_empty_conventions():
    assert PRF(0, 0, 5).precision == 0.0
    assert PRF(0, 3, 0).recall == 0.0
    assert PRF(0, 0, 0).f1 == 0.0


def test_micro_sums_counts_and_macro_averages_scores():
    a, b = PRF(1, 2, 1), PRF(0, 0, 3)  # a: P .5 R 1 F1 2/3; b: all 0
    m = micro([a, b])
    assert (m.tp, m.n_pred, m.n_gold) == (1, 2, 4)
    assert m.f1 == pytest.approx(2 * 0.5 * 0.25 / 0.75)  # P .5, R .25 → 1/3
    assert macro([a, b]) == {"precision": 0.25, "recall": 0.5, "f1": 0.3333}


def test_set_prf_exact_items():
    s = set_prf({("s1", 0, 5, "Peop"), ("s1", 9, 14, "Org")}, {("s1", 0, 5, "Peop"), ("s1", 9, 14, "Loc"), ("s2", 0, 3, "Loc")})
    assert (s.tp, s.n_pred, s.n_gold) == (1, 2, 3)


def test_tokens_overlap_rule_and_dice():
    text = "Trump said the wall “will be built”."
    toks = tokenize(text)
    assert [text[s:e] for s, e in toks] == ["Trump", "said", "the", "wall", "will", "be", "built"]
    # a span cut inside "wall" and ending inside the quote covers wall, will, be, built
    assert sorted(tokens_in(toks, [(17, 35)])) == [3, 4, 5, 6]
    # empty and zero-width spans cover nothing
    assert tokens_in(toks, [(5, 5)]) == frozenset()
    assert dice(frozenset({0, 1, 2, 3}), frozenset({2, 3, 4})) == pytest.approx(4 / 7)
    assert dice(frozenset(), frozenset()) == 0.0


def test_overlap_discontinuous():
    assert overlap([(0, 10), (20, 30)], [(5, 25)]) == 10
    assert overlap([(0, 5)], [(5, 9)]) == 0


def test_greedy_match_takes_best_first_and_breaks_ties_by_gold_then_pred():
    s = {(0, 0): 0.6, (0, 1): 0.9, (1, 1): 0.7}
    # best pair (0,1) first; pred 1's only candidate gold 1 is then taken; pred 0 is used up
    assert greedy_match(2, 2, lambda p, g: s.get((p, g), 0.0), 0.5) == [(0, 1, 0.9)]
    tie = {(0, 0): 0.5, (1, 0): 0.5, (0, 1): 0.5}
    assert greedy_match(2, 2, lambda p, g: tie.get((p, g), 0.0), 0.5) == [(0, 0, 0.5)]
    # below the threshold nothing qualifies
    assert greedy_match(1, 1, lambda p, g: 0.49, 0.5) == []


TEXT = "Alice said that taxes will rise. Someone warned: prices fall. Bob smiled."
ALICE, SAID, TAXES = (0, 5), (6, 10), (16, 31)  # "taxes will rise"
WARNED, PRICES = (41, 47), (49, 60)  # "prices fall"
BOB = (62, 65)


def test_score_article_hand_computed():
    assert TEXT[slice(*TAXES)] == "taxes will rise" and TEXT[slice(*PRICES)] == "prices fall"
    assert TEXT[slice(*WARNED)] == "warned" and TEXT[slice(*BOB)] == "Bob"
    gold = [
        Attribution(source=(ALICE,), cue=(SAID,), content=(TAXES,)),
        Attribution(source=None, cue=(WARNED,), content=(PRICES,)),  # no source
    ]
    pred = [
        # content "that taxes will rise": Dice 2*3/(4+3) = 6/7 ≥ .5; source overlaps Alice
        Attribution(source=((0, 3),), cue=(SAID,), content=((11, 31),)),
        # content "prices": Dice 2*1/(1+2) = 2/3; gold has no source but a speaker is predicted
        Attribution(source=(BOB,), cue=(WARNED,), content=((49, 55),)),
        # content "Bob smiled": matches nothing; its cue overlaps no gold cue
        Attribution(source=None, cue=((66, 72),), content=((62, 72),)),
    ]
    c = score_article(TEXT, gold, pred)
    assert (c.attribution.tp, c.attribution.n_pred, c.attribution.n_gold) == (2, 3, 2)
    assert (c.source.tp, c.source.n_pred, c.source.n_gold) == (1, 3, 2)
    assert (c.cue.tp, c.cue.n_pred, c.cue.n_gold) == (2, 3, 2)
    # content tokens: pred {that taxes will rise prices Bob smiled} = 7, gold {taxes will rise prices fall} = 5, tp 4
    assert (c.content_tokens.tp, c.content_tokens.n_pred, c.content_tokens.n_gold) == (4, 7, 5)
    assert c.dice_sum == pytest.approx(6 / 7 + 2 / 3)


def test_score_article_one_to_one():
    """Two identical predictions cannot both match the one gold attribution."""
    gold = [Attribution(source=(ALICE,), cue=(SAID,), content=(TAXES,))]
    same = Attribution(source=(ALICE,), cue=(SAID,), content=(TAXES,))
    c = score_article(TEXT, gold, [same, same])
    assert (c.attribution.tp, c.attribution.n_pred, c.cue.tp) == (1, 2, 1)
    # content tokens are a set per article: the duplicate adds nothing
    assert c.content_tokens.precision == 1.0


def test_no_source_gold_is_correct_with_no_speaker():
    gold = [Attribution(source=None, cue=(WARNED,), content=(PRICES,))]
    c = score_article(TEXT, gold, [Attribution(source=None, cue=(WARNED,), content=(PRICES,))])
    assert c.source.tp == 1
