"""The brat reader on real PolNeAR annotation files."""

from __future__ import annotations

import pytest

from kg.errors import InputError
from kg.eval.brat import check_offsets, parse_ann, read_ann, span_text
from kg.eval import polnear
from kg.eval.polnear import annotation_for, gold_attributions

DISCONTINUOUS = "breitbart_2016-09-20_poll-wealthy-voters-abandon-repu"


def _article(data_root, split, name):
    text = (data_root / "polnear" / split / "text" / f"{name}.txt").read_text(encoding="utf-8")
    return text, read_ann(annotation_for(data_root / "polnear" / split / "attributions", name))


def test_discontinuous_span_and_event(data_root):
    text, doc = _article(data_root, "dev", DISCONTINUOUS)
    t7 = doc.spans["T7"]
    assert t7.type == "Content"
    assert t7.spans == ((209, 236), (91, 186))  # file order kept
    assert text[209:236] == "in favor of Hillary Clinton"
    assert span_text(text, t7) == t7.text
    e2 = next(e for e in doc.events if e.id == "E2")
    assert e2.type == "Attribution"
    assert dict(e2.args) == {"Attribution": "T8", "Content": "T7", "Cue": "T6", "Source": "T5"}
    assert text[slice(*doc.spans["T8"].spans[0])] == "shows"


def test_every_span_reproduces_its_text(data_root):
    """Offsets check over all dev files: text[start:end] (fragments joined by a space) equals the T text."""
    ann_dir = data_root / "polnear" / "dev" / "attributions"
    n = 0
    for ann in sorted(ann_dir.glob("*.ann")):
        name = ann.stem.rsplit("_", 1)[0]
        text = (data_root / "polnear" / "dev" / "text" / f"{name}.txt").read_text(encoding="utf-8")
        doc = read_ann(ann)
        assert check_offsets(text, doc) == []
        n += len(doc.spans)
    assert n > 8000


def test_multiline_span_text_is_joined(data_root):
    """A span whose text has a line break continues on the next file line."""
    text, doc = _article(data_root, "train", "nyt_2016-04-18_for-news-outlets-feeling-the-squ")
    t41 = doc.spans["T41"]
    assert t41.spans == ((4902, 4959), (4984, 5422))
    assert "\n" in t41.text
    assert span_text(text, t41) == t41.text


def test_no_source_and_second_content(data_root):
    _, doc = _article(data_root, "dev", "breitbart_2016-09-28_mary-j-blige-sings-to-hillary-cl")
    no_source = [a for a in gold_attributions(doc) if a.source is None]
    assert no_source == [polnear.Attribution(source=None, cue=((573, 598),), content=((564, 572),))]
    text, doc = _article(data_root, "dev", "politico_2016-09-22_house-panel-votes-to-hold-clinto")
    e5 = next(e for e in doc.events if e.id == "E5")
    attr = gold_attributions(doc)[doc.events.index(e5)]
    assert attr.content == ((658, 687), (851, 1027))  # Content and Content2
    assert text[658:687] == '"Subpoenas are not optional,"'


def test_first_annotator_file_in_sorted_order(data_root):
    ann_dir = data_root / "polnear" / "dev" / "attributions"
    chosen = annotation_for(ann_dir, "politico_2016-09-08_flynn-says-trump-absolutely-righ")
    all_files = sorted(ann_dir.glob("politico_2016-09-08_flynn-says-trump-absolutely-righ_*.ann"))
    assert len(all_files) == 6
    assert chosen == all_files[0] and chosen.name.endswith("_4b22.ann")


def test_malformed_lines_name_file_and_line():
    with pytest.raises(InputError, match=r"x\.ann:2: malformed T line"):
        parse_ann("T1\tCue 0 4\tsaid\nT2\tContent 5 x\tbad\n", "x.ann")
    with pytest.raises(InputError, match=r"x\.ann:2: .*T9 names no T annotation"):
        parse_ann("T1\tCue 0 4\tsaid\nE1\tAttribution:T1 Content:T9\n", "x.ann")
