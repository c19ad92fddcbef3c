"""Is a question in Indonesian or English?"""

import re

_EN = frozenset(
    "the what which who whom whose where when why how is are was were does do did of in on for to and "
    "about city city's mission missions vision program programs plan plans list tell me give".split()
)
_ID = frozenset(
    "apa apakah siapa mana bagaimana mengapa kapan berapa yang dan di ke dari untuk dengan adalah "
    "sebutkan jelaskan kota kabupaten misi visi program saja dalam tentang ini itu oleh".split()
)


def detect_language(text: str) -> str:
    """'en' or 'id' by function words (Indonesian on a tie: the corpus language)."""
    words = re.findall(r"[a-z']+", text.lower())
    en = sum(w in _EN for w in words)
    ind = sum(w in _ID for w in words)
    return "en" if en > ind else "id"
