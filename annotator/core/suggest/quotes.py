"""Quotations found from quotation marks, and who said them.

One pass over the quotation marks of the text (and its paragraph breaks) with
a stack, so nested quotes (“… ‘…’ …”) and the usual national styles pair up:
“…” ‘…’ "…" „…“ „…” «…» »…« ‹…› ‚…‘ ”…” (Swedish). Straight single quotes
are not used: they are apostrophes far more often than quotation marks, and
so is ’ unless a ‘ is open and ’ does not sit inside a word (“Russia’s”).

A quotation may run over line breaks. At a paragraph break an open quotation
ends, unless the next paragraph opens with the same mark: the news convention
for a quotation of several paragraphs (no closing mark until the last one).

Only outermost quotations are returned. The span is the text between the
marks, without surrounding spaces and without the comma that English puts
before the closing mark (“…,” he said). Quotations of fewer than
``min_words`` words are scare quotes and are skipped.

Attribution: after the closing mark (`“…,” Blinken said`, `said Blinken`,
`“…,” according to Blinken`, `Blinken told reporters`) or before the opening
one (`Blinken said: “…”`, `According to Blinken, “…”`). The speaker is the
run of capitalised words there, without titles (“Foreign Minister Mukhtar
Tileuberdi” gives “Mukhtar Tileuberdi”); pronouns give no speaker.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

# Opening mark -> the marks that may close it.
_CLOSERS: dict[str, str] = {
    "“": "”",
    "„": "“”",
    "«": "»",
    "»": "«",
    "‹": "›",
    "›": "‹",
    "‘": "’",
    "‚": "‘’",
    '"': '"',
    "”": "”",
}
_ALWAYS_OPEN = "“„«‹‘‚"
"""Marks that open a quotation whenever they do not close one."""
_REVERSED_OPEN = "»›”"
"""Marks that open only in a reversed style (»…«, ”…”): at the start of a word."""
_MARKS = re.compile(r"[“”„«»‹›‘’‚\"]|\n[ \t\u00a0]*\n")
_WORD = re.compile(r"\w+")
_SPACE = " \t\n\r\u00a0\u2009\u202f"
_GUILLEMETS = "«»‹›"


def _words(text: str) -> list[str]:
    return text.split()


SPEECH_VERBS = _words(
    "said says say told tells added adds stated states explained explains noted notes warned "
    "warns asked asks replied replies declared declares insisted insists argued argues wrote "
    "writes tweeted tweets posted continued continues recalled recalls stressed stresses "
    "acknowledged acknowledges claimed claims announced announces admitted admits "
    "emphasised emphasized underlined concluded observed remarked suggested urged "
    "conceded responded cautioned predicted "
    # A few of other languages' news (French, German, Spanish, Portuguese, Italian, Dutch).
    "dit déclare déclaré affirme affirmé sagte sagt erklärte betonte dijo afirmó declaró "
    "disse afirmou ha_detto a_dit a_déclaré a_affirmé "
    "precisó manifestó advirtió enfatizó señaló indicó aseguró explicó añadió agregó "
    "subrayó insistió comentó sostuvo expresó declara afirma asegura señala "
    "explique ajoute souligne estime a_expliqué a_ajouté a_souligné "
    "zei zegt verklaarde aldus"
)
_VERB = "(?:" + "|".join(v.replace("_", r"[ \t\u00a0]+") for v in SPEECH_VERBS) + ")"
_NAME_TOKEN = r"[^\W\d_][\w.\-’']*"
_NAME_RUN = rf"{_NAME_TOKEN}(?:[ \t\u00a0]+{_NAME_TOKEN}|\n{_NAME_TOKEN}){{0,8}}"
_LEAD = r"[ \t\u00a0]*(?:[,;—–-][ \t\u00a0]*)?"

# After the closing mark.
_AFTER_VERB_NAME = re.compile(rf"{_LEAD}{_VERB}[ \t\u00a0]+(?P<name>{_NAME_RUN})")
_AFTER_NAME_VERB = re.compile(
    rf"{_LEAD}(?P<name>{_NAME_RUN})(?:,[^,\n“”\"]{{1,80}},)?[ \t\u00a0]+{_VERB}\b"
)
_AFTER_ACCORDING = re.compile(rf"{_LEAD}according[ \t\u00a0]+to[ \t\u00a0]+(?P<name>{_NAME_RUN})")
# Before the opening mark (the pattern must end where the mark is).
_BEFORE_NAME_VERB = re.compile(
    rf"(?P<name>{_NAME_RUN})[ \t\u00a0]+{_VERB}(?:[ \t\u00a0]+[\w’']+){{0,5}}?[ \t\u00a0]*[:,]?"
    rf"[ \t\u00a0]*$"
)
_BEFORE_VERB_NAME = re.compile(
    rf"\b{_VERB}[ \t\u00a0]+(?P<name>{_NAME_RUN})[ \t\u00a0]*[:,][ \t\u00a0]*$"
)
_BEFORE_ACCORDING = re.compile(
    rf"\b[Aa]ccording[ \t\u00a0]+to[ \t\u00a0]+(?P<name>{_NAME_RUN})[ \t\u00a0]*,[ \t\u00a0]*$"
)
_SENTENCE_END = re.compile(
    r"(?<!\b[A-Z])(?<!\bMr)(?<!\bMs)(?<!\bDr)(?<!\bSt)(?<!\bMrs)(?<!\bGen)(?<!\bSen)"
    r"[.!?;:](?=\s)"
)
"""A sentence's end (not the dot of U.S. or Mr.)."""
# Headline style: "Blinken: “…”".
_BEFORE_COLON = re.compile(rf"(?P<name>{_NAME_RUN})[ \t\u00a0]*:[ \t\u00a0]*$")
# Between the two halves of a split quotation: `, he said, ` / `, said Blinken, `.
_SPLIT = re.compile(
    rf"{_LEAD}(?:{_NAME_RUN}[ \t\u00a0]+{_VERB}|{_VERB}[ \t\u00a0]+{_NAME_RUN})"
    rf"(?:[ \t\u00a0]+[\w’']+){{0,3}}[ \t\u00a0]*,[ \t\u00a0]*"
)
_LOOK_AFTER = 160
_LOOK_BEFORE = 160

PRONOUNS = frozenset(
    _words(
        "he she they it we i you him her them this that who one someone everyone "
        "er sie es wir il elle ils elles on nous él ella ellos ele eles hij zij"
    )
)
DETERMINERS = frozenset(_words("the a an"))
CONNECTORS = frozenset(_words("of de del della di da du la le van von der den bin ibn al el y"))
TITLES = frozenset(
    _words(
        """mr mr. mrs mrs. ms ms. dr dr. prof prof. sir dame lord lady president vice deputy
    prime minister ministers secretary secretary-general undersecretary under-secretary
    chancellor senator sen. sen representative rep. rep congressman congresswoman
    governor gov. gov mayor king queen prince princess pope sheikh emir general gen. gen
    colonel col. admiral captain capt. lieutenant commander chief executive ceo cfo
    chairman chairwoman chair director spokesperson spokesman spokeswoman ambassador
    envoy foreign interior finance defence defense justice health trade economy energy
    affairs head leader judge justice attorney lawyer professor minister-president
    us u.s. uk u.k. eu un u.n. nato"""
    )
)
"""Words of a title, dropped from the front of a speaker's name."""


@dataclass(frozen=True, slots=True)
class FoundQuote:
    start: int
    end: int
    speaker: tuple[int, int] | None = None


def find_quotes(text: str, *, min_words: int = 3, speakers: bool = True) -> list[FoundQuote]:
    """Every outermost quotation of at least ``min_words`` words, in text order.

    A quotation split by its attribution (`“No,” he said, “not now.”`) is two
    quotations of the same speaker, each kept however short it is.
    """
    found: list[FoundQuote] = []
    pairs = _pairs(text)
    split = [_SPLIT.fullmatch(text, a[1] + 1, b[0]) is not None for a, b in pairwise(pairs)]
    previous: FoundQuote | None = None
    for n, (open_pos, close_pos) in enumerate(pairs):
        joined_before = n > 0 and split[n - 1]
        joined_after = n < len(split) and split[n]
        start, end = _trim(text, open_pos + 1, close_pos)
        enough = 1 if joined_before or joined_after else min_words
        if end <= start or _word_count(text, start, end, enough) < enough:
            previous = None
            continue
        title = not (joined_before or joined_after) and _is_title(text, start, end)
        speaker = _attribution(text, open_pos, close_pos) if speakers or title else None
        if title and speaker is None:  # “The Washington Post”, unless someone said it
            previous = None
            continue
        if not speakers:
            speaker = None
        elif joined_before and previous is not None and previous.speaker is not None:
            speaker = previous.speaker
        previous = FoundQuote(start, end, speaker)
        found.append(previous)
    return found


def _pairs(text: str) -> list[tuple[int, int]]:
    """(opening mark, closing mark) positions of the outermost quotations."""
    pairs: list[tuple[int, int]] = []
    # Each entry: (opening mark, its position).
    stack: list[tuple[str, int]] = []
    skip = -1  # position of a paragraph's continuation mark, already accounted for
    n = len(text)
    for m in _MARKS.finditer(text):
        i = m.start()
        c = m.group()
        if len(c) > 1:  # a paragraph break
            if stack:
                nxt = m.end()
                while nxt < n and text[nxt] in _SPACE:
                    nxt += 1
                if nxt < n and text[nxt] == stack[0][0]:
                    del stack[1:]
                    skip = nxt
                else:
                    stack.clear()
            continue
        if i == skip:
            continue
        prev = text[i - 1] if i > 0 else " "
        after = text[i + 1] if i + 1 < n else " "
        prev_space = prev in _SPACE
        next_space = after in _SPACE
        # Close the innermost open quotation this mark can close.
        if stack and (not prev_space or c in _GUILLEMETS):
            closes = -1
            if not (c == "’" and prev.isalnum() and after.isalnum()):
                for k in range(len(stack) - 1, -1, -1):
                    if c in _CLOSERS[stack[k][0]]:
                        closes = k
                        break
            if closes >= 0 and not (c == '"' and prev_space):
                if closes == 0:
                    pairs.append((stack[0][1], i))
                del stack[closes:]
                continue
        if c == "’":
            continue
        opening = False
        if c in _ALWAYS_OPEN:
            opening = not (c == "‘" and prev.isalnum() and after.isalnum())
            opening = opening and not (c == "‚" and not prev_space)
        elif c in _REVERSED_OPEN or c == '"':
            opening = not next_space and (prev_space or not prev.isalnum())
        if not opening:
            continue
        # The same mark opening again while one is open: the first was never closed.
        same = next((k for k, (o, _) in enumerate(stack) if o == c), -1)
        if same >= 0 and c in "“„«":
            del stack[same:]
        stack.append((c, i))
    return pairs


_TITLE_WORDS = 6
_MINOR_WORDS = (
    CONNECTORS
    | DETERMINERS
    | frozenset(_words("and of for on in to y e et und los las el lo die das het een des les"))
)


def _is_title(text: str, start: int, end: int) -> bool:
    """A name in quotation marks (“The Washington Post”, “EL GRAN HERMANO”): a few
    words, each capitalised but for little ones, and no sentence punctuation."""
    if text[end - 1] in ".!?…" or end - start > 80:
        return False
    words = _WORD.findall(text, start, end)
    if not words or len(words) > _TITLE_WORDS or not words[0][0].isupper():
        return False
    return all(w[0].isupper() or w[0].isdigit() or w in _MINOR_WORDS for w in words)


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in _SPACE:
        start += 1
    while end > start and (text[end - 1] in _SPACE or text[end - 1] == ","):
        end -= 1
    return start, end


def _word_count(text: str, start: int, end: int, enough: int) -> int:
    count = 0
    for _ in _WORD.finditer(text, start, end):
        count += 1
        if count >= enough:
            break
    return count


def _attribution(text: str, open_pos: int, close_pos: int) -> tuple[int, int] | None:
    after = close_pos + 1
    limit = text.find("\n", after, after + _LOOK_AFTER)
    limit = min(len(text), after + _LOOK_AFTER) if limit < 0 else limit
    for pattern in (_AFTER_ACCORDING, _AFTER_VERB_NAME, _AFTER_NAME_VERB):
        m = pattern.match(text, after, limit)
        if m is not None:
            # An attribution follows: it names the speaker, or it is "he said".
            backward = pattern is _AFTER_NAME_VERB
            name = _clean_name(text, m.start("name"), m.end("name"), backward=backward)
            if backward and name is not None and _SENTENCE_END.search(text, m.start(), name[0]):
                return None  # "he said. Blinken added": not this quote's attribution
            return name
    line_start = text.rfind("\n", max(0, open_pos - _LOOK_BEFORE), open_pos) + 1
    window_start = max(line_start, open_pos - _LOOK_BEFORE)
    for pattern in (_BEFORE_ACCORDING, _BEFORE_VERB_NAME, _BEFORE_NAME_VERB, _BEFORE_COLON):
        m = pattern.search(text, window_start, open_pos)
        if m is not None:
            backward = pattern is _BEFORE_NAME_VERB or pattern is _BEFORE_COLON
            name = _clean_name(text, m.start("name"), m.end("name"), backward=backward)
            if name is not None:
                return name
    return None


_TOKEN = re.compile(r"\S+")


def _name_tokens(text: str, start: int, end: int, *, backward: bool) -> list[tuple[int, int, str]]:
    """Words of text[start:end] with their offsets, without trailing punctuation.

    A name cannot go on past punctuation: forward, a word followed by some ends
    the list; backward, the list starts after the last such word.
    """
    words: list[tuple[int, int, str]] = []
    for m in _TOKEN.finditer(text, start, end):
        word = m.group().rstrip(".,;:")
        punct = len(word) != len(m.group())
        if backward and punct:
            words = []
            continue
        if not word:
            break
        words.append((m.start(), m.start() + len(word), word))
        if punct:
            break
    return words


def _is_name_word(word: str) -> bool:
    return word[0].isupper() and not word.lower().endswith(("’s", "'s"))


def _clean_name(
    text: str, start: int, end: int, *, backward: bool = False
) -> tuple[int, int] | None:
    """The capitalised name in text[start:end], without titles; None if there is none.

    Forward: the name starts the range (`said Foreign Minister X`); backward:
    it ends the range (`... the visit, Blinken said`).
    """
    words = _name_tokens(text, start, end, backward=backward)
    run: list[tuple[int, int, str]] = []
    if backward:
        for item in reversed(words):
            if _is_name_word(item[2]) or (item[2].lower() in CONNECTORS and run):
                run.insert(0, item)
            else:
                break
    else:
        for item in words:
            word = item[2]
            if word.lower().endswith(("’s", "'s")):  # Kazakhstan’s President X
                run = []
                continue
            if _is_name_word(word) or (word.lower() in CONNECTORS and run):
                run.append(item)
            else:
                break
    while run and run[0][2].lower() in CONNECTORS:
        run.pop(0)
    while run and run[-1][2].lower() in CONNECTORS:
        run.pop()
    if not run:
        return None
    lower = [w.lower() for _, _, w in run]
    if lower[0] in PRONOUNS:
        return None
    # Drop the title: everything up to the last title word (and "of State" after it).
    last_title = -1
    for k, w in enumerate(lower[:-1]):
        if w in TITLES or w in DETERMINERS:
            last_title = k
        elif w in CONNECTORS and last_title == k - 1 and k + 1 < len(lower) - 1:
            last_title = k + 1  # Secretary of State Antony Blinken
    run = run[last_title + 1 :]
    if not run or run[0][2].lower() in PRONOUNS or run[0][2].lower() in TITLES:
        return None
    return run[0][0], run[-1][1]
