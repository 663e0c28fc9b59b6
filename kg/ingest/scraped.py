"""Scraped news pages saved as plain text: metadata and boilerplate ranges.

News scrapers often save a page as text with a header such as::

     date 2024-11-13 All Sections
    US Secretary of State assures NATO Secretary General ...

    Ulyana KrychkovskaWednesday, 13 November 2024, 13:19
    US Secretary of State assures NATO Secretary General ...
    Antony Blinken. Stock photo: Getty Images

followed by the body, a ``Background:`` list and a trailing tag line
(``aid for Ukraine``). The functions here find the title, date and author and
return *skip ranges* for the lines that must produce no facts. The text itself
is never changed, so every offset into it stays valid; the NLP stage drops
anything inside a skip range.

>>> text = " date 2024-11-13 All Sections\\nTitle here\\n\\nJane DoeMonday, 11 November 2024, 09:00\\nBody text.\\n"
>>> meta, skip = parse_scraped(text)
>>> (meta.title, meta.date, meta.author)
('Title here', '2024-11-13', 'Jane Doe')
>>> [text[s:e] for s, e in skip]
['date 2024-11-13 All Sections', 'Title here', 'Jane DoeMonday, 11 November 2024, 09:00']
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import Iterator

from kg.model import DocMeta

#: First line of a scraped page: `` date 2024-11-13 All Sections`` (the
#: section label after the date varies, so anything may follow it).
HEADER_DATE = re.compile(r"^\s*date\s+(?P<date>\d{4}-\d{2}-\d{2})\b.*$")

_WEEKDAYS = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"

#: Byline: the author's name, often glued to the weekday by the scraper
#: (``Ulyana KrychkovskaWednesday, 13 November 2024, 13:19``); the name may be
#: missing and the time is optional.
BYLINE = re.compile(
    rf"^\s*(?P<author>.*?)\s*(?P<weekday>{_WEEKDAYS}),\s*"
    r"(?P<day>\d{1,2})\s+(?P<month>[A-Z][a-z]+)\s+(?P<year>\d{4})(?:,\s*(?P<time>\d{1,2}:\d{2}))?\s*$"
)

#: Photo captions and credits: ``Antony Blinken. Stock photo: Getty Images``,
#: ``Photo: Reuters``. They name people, but they are not facts of the story.
CAPTION = re.compile(
    r"(?:^|[.\s])(?:Stock photo|Stock image|Photo|Photograph|Photo credit|Illustrative photo|Image)s?\s*:\s*\S",
    re.IGNORECASE,
)

#: A caption is one short line; a long line with ``Photo:`` in it is body text.
CAPTION_MAX_CHARS = 200

#: Section labels alone on their line (``Background:``): structure, not content.
SECTION_LABEL = re.compile(r"^\s*(?:Background|Read more|Related|Also read|Advertisement)\s*:?\s*$", re.IGNORECASE)

#: The trailing tag line of a scraped page (``aid for Ukraine``) has at most
#: this many words and no sentence-final punctuation.
TAG_LINE_MAX_WORDS = 8

_SENTENCE_END = tuple('.!?"\u201d\u2019\'):;')


def lines_with_offsets(text: str) -> Iterator[tuple[int, int, str]]:
    """Yield ``(start, end, line)`` for each line, ``end`` excluding the newline.

    >>> list(lines_with_offsets("ab\\r\\ncd"))
    [(0, 2, 'ab'), (4, 6, 'cd')]
    """
    pos = 0
    for raw in text.splitlines(keepends=True):
        line = raw.rstrip("\r\n\u2028\u2029\x0b\x0c\x1c\x1d\x1e\x85")
        yield pos, pos + len(line), line
        pos += len(raw)


def _strip_range(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink ``[start, end)`` so it has no leading or trailing whitespace."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _iso_date(day: str, month: str, year: str) -> str | None:
    try:
        return _dt.datetime.strptime(f"{day} {month} {year}", "%d %B %Y").date().isoformat()
    except ValueError:
        return None


def caption_skips(text: str) -> list[tuple[int, int]]:
    """Skip ranges for photo-caption lines anywhere in ``text``.

    >>> t = "Body.\\nAntony Blinken. Stock photo: Getty Images\\nMore body."
    >>> [t[s:e] for s, e in caption_skips(t)]
    ['Antony Blinken. Stock photo: Getty Images']
    """
    out = []
    for start, end, line in lines_with_offsets(text):
        if line.strip() and len(line) <= CAPTION_MAX_CHARS and CAPTION.search(line):
            out.append(_strip_range(text, start, end))
    return out


def parse_scraped(text: str) -> tuple[DocMeta, tuple[tuple[int, int], ...]]:
    """Metadata and skip ranges of a scraped page; ``(DocMeta(), ())`` otherwise.

    The format is recognised by its first non-blank line (`` date YYYY-MM-DD``).
    Skipped: the date line, the title, the byline, the repeated title, photo
    captions, section labels (``Background:``) and the trailing tag line.
    The title is metadata; the body repeats what it says.
    """
    lines = [(s, e, line) for s, e, line in lines_with_offsets(text) if line.strip()]
    if not lines:
        return DocMeta(), ()
    m = HEADER_DATE.match(lines[0][2])
    if not m:
        return DocMeta(), ()
    date = m.group("date")
    skip: list[tuple[int, int]] = [_strip_range(text, lines[0][0], lines[0][1])]
    title = author = None
    i = 1
    # Title: the first line after the date that is not the byline.
    if i < len(lines) and not BYLINE.match(lines[i][2]):
        title = lines[i][2].strip()
        skip.append(_strip_range(text, lines[i][0], lines[i][1]))
        i += 1
    if i < len(lines) and (b := BYLINE.match(lines[i][2])):
        author = b.group("author").strip() or None
        date = date or _iso_date(b.group("day"), b.group("month"), b.group("year"))
        skip.append(_strip_range(text, lines[i][0], lines[i][1]))
        i += 1
    # The scraper repeats the title above the photo.
    if title and i < len(lines) and lines[i][2].strip() == title:
        skip.append(_strip_range(text, lines[i][0], lines[i][1]))
        i += 1
    for s, e, line in lines[i:]:
        if SECTION_LABEL.match(line):
            skip.append(_strip_range(text, s, e))
    skip.extend(caption_skips(text))
    last_s, last_e, last = lines[-1]
    words = last.split()
    if (
        len(lines) > i + 1
        and 0 < len(words) <= TAG_LINE_MAX_WORDS
        and not last.rstrip().endswith(_SENTENCE_END)
        and not last.lstrip().startswith(("\u2022", "-", "*"))
    ):
        skip.append(_strip_range(text, last_s, last_e))
    return DocMeta(title=title, date=date, author=author), merge_ranges(skip)


def merge_ranges(ranges: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    """Sort ranges and merge overlapping ones; drop empty ones.

    >>> merge_ranges([(5, 9), (0, 2), (1, 3), (4, 4)])
    ((0, 3), (5, 9))
    """
    out: list[tuple[int, int]] = []
    for s, e in sorted(r for r in ranges if r[1] > r[0]):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return tuple(out)
