"""What the bot hands out: an Answer with numbered Citations (the `planbot ask --json` object)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class TableRow:
    """A row of a cited table piece: its span in the citation's text and its (column label, value) cells."""

    start: int
    end: int
    text: str  # "label: value; label: value"
    cells: list[tuple[str, str]]


@dataclass
class Citation:
    """A retrieved passage, numbered in rank order; `highlights` are spans of `text` the answer quotes."""

    n: int
    source: str
    title: str
    region: str | None
    section: str | None
    page: int | None
    text: str
    score: float
    doc_id: str = ""
    start: int | None = None
    end: int | None = None
    highlights: list[tuple[int, int]] = field(default_factory=list)
    table_caption: str | None = None  # set when the passage is (a piece of) a table
    rows: list[TableRow] = field(default_factory=list)  # the table's rows, read with their column labels


@dataclass
class Answer:
    """An answer whose every claim carries a [n] marker pointing at citations[n-1], or an abstention."""

    question: str
    answer: str
    abstained: bool
    language: str
    citations: list[Citation]
    latency_ms: float = 0.0
    reason: str | None = None
    plan_items: list[dict] = field(default_factory=list)
    signals: dict[str, float] | None = None  # what the answer-or-not decision read (bot.decide.Signals)
    confidence: float | None = None  # the calibrated probability that the passages support an answer
    short_answer: str | None = None  # a factoid question's figure, date or name with its [n], leading the answer
    compare: list[dict] = field(default_factory=list)  # a compare question's sections (bot.compare.Section)
    # With PLANBOT_LLM (bot.generate): what the model wrote, each sentence's check, the model, the note shown
    # when the extractive answer stands in, and the extractive answer itself. Left out of as_dict() when no
    # model was asked, so the extractive JSON stays as it was.
    generated: str | None = None
    checked: list[dict] = field(default_factory=list)  # [{sentence, citations, kept, why, lexical, similarity}]
    llm_model: str | None = None
    llm_note: str | None = None
    extractive: str | None = None

    LLM_FIELDS = ("generated", "checked", "llm_model", "llm_note", "extractive")

    @property
    def dropped(self) -> int:
        """Generated sentences the citation check dropped."""
        return sum(1 for c in self.checked if not c.get("kept"))

    def as_dict(self) -> dict:
        d = asdict(self)
        if self.extractive is None:
            for key in self.LLM_FIELDS:
                d.pop(key)
        else:
            d["dropped"] = self.dropped
        d["latency_ms"] = round(self.latency_ms, 2)
        for c in d["citations"]:
            c["score"] = round(c["score"], 4)
            c["highlights"] = [list(h) for h in c["highlights"]]
        return d
