"""Language knowledge, in one place: Indonesian and English question words, ordinals, plan types, and the
cues of requests that must be refused. General knowledge of the two languages and of Indonesian planning;
nothing here is made for one document or one question.

ingest, index and bot read it; it imports nothing of theirs.
"""

from __future__ import annotations

import re
from pathlib import Path

from planbot.errors import DataFileError

# --- which language ----------------------------------------------------------------------------------------

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
    found = re.findall(r"[a-z']+", text.lower())
    en = sum(w in _EN for w in found)
    ind = sum(w in _ID for w in found)
    return "en" if en > ind else "id"


# --- stop words: function words of both languages, left out of lexical matching --------------------------

INDONESIAN = frozenset(
    """
    ada adalah adanya agar akan akankah aku amat antara antaranya apa apakah apabila atas atau bagai bagaimana
    bagi bahwa baik banyak baru begitu beliau belum berapa berbagai beri berikut bersama besar biasa bila bisa
    boleh bukan cukup dalam dan dapat dari daripada dengan di dia dilakukan diri dimana demi demikian dua
    hal hampir hanya harus hingga ia ialah ini itu jadi jika juga kalau kami kamu karena ke kecuali kembali
    kemudian kepada ketika kini kita lagi lain lalu lebih maka mana masih masing melalui memang mereka
    merupakan meski mungkin namun nya oleh pada padahal para pernah perlu pula punya saat saja salah sama
    sampai sangat satu saya seakan sebagai sebagaimana sebelum sebuah sedang sedangkan sehingga sejak
    sekarang selain selalu seluruh semua sendiri seperti serta sesuai setelah setiap siapa suatu sudah
    supaya tak tanpa tapi telah tentang tentu terhadap terdapat tersebut tetapi tiap untuk waktu ya yaitu
    yakni yang sebutkan jelaskan apa saja apakah bagaimanakah mengapa kenapa dimana kapan adakah kira
    """.split()
)

ENGLISH = frozenset(
    """
    a about above after again all also am an and any are as at be because been before being below between
    both but by can could did do does doing down during each few for from further had has have having he her
    here hers him his how i if in into is it its itself just me more most my no nor not now of off on once
    only or other our ours out over own same she should so some such than that the their theirs them then
    there these they this those through to too under until up very was we were what when where which while
    who whom why will with would you your yours tell list give name named describe explain please does
    s many much
    """.split()
)

STOPWORDS = INDONESIAN | ENGLISH
# "berapa lama / luas / tinggi ..." asks for a measure of something, not for a count of lama or luas.
MEASURE_WORDS = frozenset(
    "lama luas tinggi jauh panjang lebar dalam berat harga ukuran usia umur kali suhu kecepatan".split()
)
# Words that ask for a count of what follows them ("berapa jumlah pulau", "berapa banyak sekolah").
COUNT_WORDS = frozenset("jumlah banyak banyaknya number".split())
# Words that soften a figure ("berapa kira-kira jumlah ...", "about how many ..."): they name nothing.
HEDGES = frozenset("kira sekitar kurang lebih hampir about approximately roughly around nearly almost".split())

# Words that shape a question but carry no topic.
QUESTION_WORDS = frozenset(
    """
    cover covers covered mention mentions mentioned say says said about describe described regarding concern
    concerns planned plans plan stated state states contain contains include includes involve involves kind
    kinds type types main key according document documents text passage part section number numbers
    first second third fourth fifth sixth seventh eighth ninth tenth one two three four five six seven eight nine ten
    pertama kedua ketiga keempat kelima keenam ketujuh kedelapan kesembilan kesepuluh
    mencakup membahas menyebut disebutkan tercantum terkait mengenai soal isi bunyi tentang menurut dokumen
    sebut jelas isinya bunyinya adakah terdiri apa saja yaitu bagaimana
    """.split()
)

# --- English -> Indonesian glossary and Indonesian acronyms ----------------------------------------------
# So English questions meet Indonesian text word for word, and a full form ("Anggaran Pendapatan dan Belanja
# Daerah") meets its acronym ("APBD") (the dense model is multilingual and needs none of this). Both lists are data files next to this module, general language only: never a name, a typo or a
# phrase of one document.

GLOSSARY_FILE = Path(__file__).with_name("glossary_en_id.tsv")
ACRONYMS_FILE = Path(__file__).with_name("acronyms_id.tsv")

_EN_WORD = re.compile(r"[a-z]+")
_EN_TOKEN = re.compile(r"[a-z]+|\d+(?:[.,]\d+)*")
_ID_WORD = re.compile(r"[0-9a-z]+")
_HEADWORD = re.compile(r"[a-z]+(?:[ '-][a-z]+)*")
_ACRONYM = re.compile(r"[A-Za-z0-9]+(?:[ /-][A-Za-z0-9]+)*")


def read_tsv(path: Path, what: str, key_name: str, key: re.Pattern[str], key_rule: str
             ) -> list[tuple[str, tuple[str, ...]]]:
    """(key, values) of each `key<TAB>value; value; ...` line of a data file ('#' lines and blank lines
    skipped), every key matching `key` whole. Raises DataFileError naming the file and line of a missing file,
    a malformed line, a key against its rule, an empty value or a repeated key."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DataFileError(f"{path}: cannot read the {what} ({exc.strerror or exc}). It ships with Planbot: "
                            "reinstall the package or restore the file.") from None
    rows: list[tuple[str, tuple[str, ...]]] = []
    seen: dict[str, int] = {}
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue

        def bad(problem: str, n: int = n) -> DataFileError:
            return DataFileError(f"{path}, line {n}: {problem}. Each line of the {what} is "
                                 "`key<TAB>value; value; ...` (lines starting with '#' are comments).")

        parts = line.split("\t")
        if len(parts) != 2:
            raise bad(f"expected one tab between key and values, found {len(parts) - 1}")
        name, values = parts[0].strip(), tuple(v.strip() for v in parts[1].split(";"))
        if not name:
            raise bad("the key is empty")
        if not all(values):
            raise bad(f"{name!r} has an empty value")
        if name.lower() in seen:
            raise bad(f"{name!r} is already on line {seen[name.lower()]}")
        if not key.fullmatch(name):
            raise bad(f"{key_name} {name!r} must be {key_rule}")
        seen[name.lower()] = n
        rows.append((name, values))
    return rows


def load_glossary(path: Path = GLOSSARY_FILE) -> dict[str, tuple[str, ...]]:
    """English headword (lowercase words joined by spaces) -> Indonesian words and phrases, from the file."""
    rows = read_tsv(path, "English -> Indonesian glossary", "headword", _HEADWORD,
                    "lowercase English words (letters, separated by spaces, hyphens or apostrophes)")
    return {" ".join(_EN_WORD.findall(key)): values for key, values in rows}


def load_acronyms(path: Path = ACRONYMS_FILE) -> dict[str, tuple[str, ...]]:
    """Acronym as written ("SiLPA") -> its full forms, from the file."""
    rows = read_tsv(path, "acronym list", "acronym", _ACRONYM, "letters and digits (parts joined by a space, '/' or '-')")
    return dict(rows)


def _with_plurals(vocabulary: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    """The vocabulary with the regular English plural of every entry ("street" -> "streets", "city" ->
    "cities", "tax" -> "taxes", "sea wall" -> "sea walls"); an irregular or listed plural keeps its own entry."""
    out = dict(vocabulary)
    for word, ids in vocabulary.items():
        if word.endswith(("s", "x", "ch", "sh")):
            plural = word + "es"
        elif word.endswith("y") and word[-2:-1] not in "aeiou":
            plural = word[:-1] + "ies"
        else:
            plural = word + "s"
        out.setdefault(plural, ids)
    return out


def _with_verb_forms(vocabulary: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    """The vocabulary with the regular past and -ing forms of every one-word entry ("visit" -> "visited",
    "visiting"; "fund" -> "funded"; "allocate" -> "allocated"); forms a noun cannot take never occur in a
    question, and an irregular or listed form keeps its own entry."""
    out = dict(vocabulary)
    for word, ids in vocabulary.items():
        if " " in word or len(word) < 3:
            continue
        if word.endswith("e"):
            forms = (word + "d", word[:-1] + "ing")
        elif word.endswith("y") and word[-2:-1] not in "aeiou":
            forms = (word[:-1] + "ied", word + "ing")
        else:
            forms = (word + "ed", word + "ing")
        for form in forms:
            out.setdefault(form, ids)
    return out


EN_ID: dict[str, tuple[str, ...]] = _with_verb_forms(_with_plurals(load_glossary()))
_LONGEST_HEADWORD = max((k.count(" ") + 1 for k in EN_ID), default=1)

ACRONYMS: dict[str, tuple[str, ...]] = load_acronyms()


def _by_first_word(acronyms: dict[str, tuple[str, ...]]) -> dict[str, list[tuple[tuple[str, ...], str]]]:
    """Full forms by their first word: {word: [(the full form's lowercase words, acronym), ...]}."""
    out: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for acronym, forms in acronyms.items():
        for form in forms:
            words = tuple(_ID_WORD.findall(form.lower()))
            if words:
                out.setdefault(words[0], []).append((words, acronym))
    return out


_FULL_FORMS = _by_first_word(ACRONYMS)


def translate_terms(text: str) -> list[str]:
    """Indonesian words for the English words of text the glossary knows (others dropped); a multiword
    headword ("public transport") is matched before its single words."""
    return _translated(text)[0]


def _translated(text: str) -> tuple[list[str], list[str]]:
    """(the Indonesian words of the English words the glossary knows, the words and numbers it does not)."""
    tokens = _EN_TOKEN.findall(text.lower())
    out: list[str] = []
    left: list[str] = []
    i = 0
    while i < len(tokens):
        forms = None
        n = 1
        if tokens[i].isalpha():
            for n in range(min(_LONGEST_HEADWORD, len(tokens) - i), 0, -1):
                forms = EN_ID.get(" ".join(tokens[i:i + n]))
                if forms is not None:
                    break
        if forms:
            for phrase in forms:
                out.extend(phrase.lower().split())
        else:
            n = 1
            left.append(tokens[i])
        i += n
    return out, left


def acronyms_of_full_forms(text: str) -> list[str]:
    """The acronyms whose full form text holds, as a phrase of lowercase words ("rencana pembangunan jangka
    menengah daerah" -> rpjmd), lowercase."""
    words = _ID_WORD.findall(text.lower())
    out = [acronym.lower() for i, word in enumerate(words) for form, acronym in _FULL_FORMS.get(word, ())
           if tuple(words[i:i + len(form)]) == form]
    return list(dict.fromkeys(out))


def bm25_query(question: str, language: str) -> str:
    """The BM25 query of a question: the question, or for an English question the Indonesian words of the
    English words the glossary knows with the words it does not (names, numbers, cognates), and the
    acronyms of the full forms these hold (either language). An English word the glossary translates is not
    searched itself: in Indonesian plans it matches only stray English (OCR debris, references).

    Acronyms are not spelled out here: on the DKI set, where plans define an acronym once and then use it,
    the full form's common words ("rencana", "daerah") outweighed the acronym itself and moved the right
    passage down (Indonesian MRR 0.579 -> 0.550 at weight 2.0, k 60; `python -m evals.fit_fusion`)."""
    if language == "en":
        translated, left = _translated(question)
        text = " ".join([*left, *translated])
    else:
        text = question
    return " ".join([text, *acronyms_of_full_forms(text)])


# --- ordinals ----------------------------------------------------------------------------------------------

ORDINALS: dict[str, int] = {
    "pertama": 1, "kesatu": 1, "kedua": 2, "ketiga": 3, "keempat": 4, "kelima": 5, "keenam": 6, "ketujuh": 7,
    "kedelapan": 8, "kesembilan": 9, "kesepuluh": 10,
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10,
}  # fmt: skip

# Numbers written as words ("tujuh negara", "three daughters"): a count stated without digits. "satu" and
# "one" are left out: they are mostly determiners ("salah satu", "one of the").
NUMBER_WORDS = frozenset(
    """
    dua tiga empat lima enam tujuh delapan sembilan sepuluh sebelas belas puluh seratus ratus seribu ribu
    sejuta juta miliar triliun two three four five six seven eight nine ten eleven twelve thirteen fifteen
    twenty thirty forty fifty hundred thousand million billion dozen
    """.split()
)

# --- what kind of answer a question asks for -------------------------------------------------------------

# who / when / how much / where want one short fact; the others want passages, lists or plan items.
KINDS = ("who", "when", "how_much", "where", "define", "yes_no", "list", "explain", "plan_item", "other")
FACTOID_KINDS = frozenset({"who", "when", "how_much", "where"})

# (kind, cues). The cue that starts earliest in the question decides; on a tie the longer cue.
KIND_CUES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("when", ("kapan", "kapankah", "bilamana", "tahun berapa", "tahun berapakah", "tanggal berapa", "tanggal berapakah",
              "bulan berapa", "bulan berapakah", "sejak kapan", "when", "what year", "which year", "what date",
              "since when")),
    ("how_much", ("berapa", "berapakah", "berapa banyak", "seberapa", "jumlah", "besaran", "how much",
                  "how many", "what percentage", "what share", "what proportion", "what amount", "what number")),
    ("who", ("siapa", "siapakah", "who", "whom", "whose")),
    ("where", ("di mana", "dimana", "di manakah", "dimanakah", "ke mana", "where")),
    ("define", ("apa yang dimaksud", "apakah yang dimaksud", "apa itu", "apakah itu", "apa arti", "apakah arti",
                "apa pengertian", "apakah pengertian", "apa definisi", "apakah definisi", "what is meant by",
                "what does the term", "define", "definition of", "meaning of")),
    ("list", ("sebutkan", "apa saja", "apa sajakah", "daftar", "list", "name the", "what are the", "which are")),
    ("explain", ("bagaimana", "bagaimanakah", "mengapa", "kenapa", "jelaskan", "uraikan", "how", "why",
                 "mengapakah", "explain", "describe")),
    # Indonesian "Apakah X?" before a noun asks "what is X"; before these words it asks yes or no
    ("yes_no", ("apakah ada", "apakah benar", "apakah sudah", "apakah akan", "apakah terdapat", "apakah termasuk",
                "apakah masih", "apakah pernah", "is there", "are there", "does", "do", "did", "is", "are", "can")),
    ("other", ("apa", "apakah", "what", "which")),
)
# A "what" question about one of these asks for a figure ("What was the poverty rate in 2015?").
FIGURE_WORDS = frozenset(
    "rate rates percentage percent share proportion number amount amounts total budget budgets cost costs "
    "target targets value figure level population persentase tingkat angka jumlah besaran nilai total target "
    "anggaran biaya pagu realisasi capaian banyaknya".split()
)
# A question holding one of these and naming a table row (an indicator, a program) asks for a cell of it.
TABLE_QUESTION_WORDS = FIGURE_WORDS | frozenset(
    "satuan unit units diukur mengukur measured measure measures track tracks baseline awal akhir final "
    "indikator indicator indicators perangkat penanggung responsible agency".split()
)
# Which cell of a table row a question asks for, by its words (the one the question names first: "Berapa pagu
# ... dalam Renja Perangkat Daerah" asks for the budget; a figure question that names none asks for the target).
TABLE_CELL_CUES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("unit", ("satuan", "unit", "units", "diukur dalam", "measured in", "measure it in")),
    ("agency", ("perangkat daerah", "penanggung jawab", "bertanggung jawab", "responsible", "in charge",
                "which agency", "what agency")),
    ("indicator", ("indikator apa", "apa indikator", "indikator untuk", "diukur dengan", "which indicator",
                   "what indicator", "indicator for", "measured by", "measure progress", "tracks")),
    ("budget", ("pagu indikatif", "pagu", "anggaran", "indicative budget", "budget", "kerangka pendanaan",
                "pendanaan", "dana", "biaya", "funding", "money", "rupiah")),
    ("baseline", ("kondisi awal", "baseline", "capaian awal", "tahun dasar", "at the start", "starting")),
    ("final", ("kondisi akhir", "akhir periode", "end of the period", "end of the plan")),
    ("target", ("target", "ditargetkan", "aim", "supposed to", "should")),  # a sasaran is a plan item, not a cell
)
# yes/no cues count only at the start of the question ("is", "do" occur inside many questions)
START_ONLY_KINDS = frozenset({"yes_no"})

# Plan items: a question about these wants the plan's own item (vision, a mission, a goal).
PLAN_ITEM_WORDS = frozenset(
    "visi misi tujuan sasaran strategi arah kebijakan program prioritas vision mission missions goal goals "
    "objective objectives strategy strategies priority priorities".split()
)

# Questions about several regions at once: each region gets a passage and a quote.
ACROSS_REGIONS = re.compile(
    r"\b(which|what) (cities|regions|regencies|provinces)\b|\b(kota|daerah|kabupaten|provinsi) mana\b"
    r"|\bkota-kota\b|\bdaerah-daerah\b|\b(bandingkan|dibandingkan|perbandingan|compare|comparison|versus|vs)\b"
    r"|\beach (city|region|regency|province)\b|\bmasing-masing (kota|daerah|kabupaten|provinsi)\b",
    re.IGNORECASE,
)

# --- facts: units of figures and month names (the short answer of a factoid question) ----------------------

UNITS = frozenset(
    """
    % persen persentase poin triliun miliar milyar juta ribu rupiah km km2 km² kilometer meter m m2 m² m3 ha hektar
    hektare ton kg gram liter jiwa orang penduduk rumah tangga kk unit buah kali tahun bulan minggu hari jam menit
    detik sekolah kecamatan kelurahan desa pulau percent percentage points trillion billion million thousand
    people persons households years months days hours kilometres kilometers hectares tonnes
    """.split()
)
MONTHS = (
    "januari", "februari", "maret", "april", "mei", "juni", "juli", "agustus", "september", "oktober",
    "november", "desember", "january", "february", "march", "may", "june", "july", "august", "october",
    "december",
)

# Column labels that name a table's unit of measure ("Satuan: Persen").
UNIT_LABELS = frozenset("satuan unit units".split())

# What a performance-framework table's column holds, by words of its label (Indonesian plan tables, and the
# English of translated ones). A label names a role when it holds one of the role's phrases; phrases are
# matched with the label's spaces removed and OCR slips forgiven ("KondisiAwalRPJMD", "Kondisi Awat").
# Order matters: the first role whose phrase a label holds wins ("Kondisi Akhir RPJMD Rp" is a final value
# in rupiah, not a budget column).
FRAMEWORK_COLUMNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("agency", ("perangkat daerah", "penanggung jawab", "penanggungjawab", "instansi", "opd", "skpd",
                "responsible agency")),
    ("baseline", ("kondisi awal", "baseline", "capaian awal", "tahun dasar")),
    ("final", ("kondisi akhir", "akhir periode", "end of period")),
    ("indicator", ("indikator", "indicator")),
    ("unit", ("satuan", "unit")),
    ("code", ("kode", "nomor", "no")),
    ("budget", ("pagu", "anggaran", "budget", "rupiah", "rp")),
    ("goal", ("tujuan", "sasaran", "outcome", "program", "urusan", "goal", "objective")),
)
# Column-label words: money (a year's budget column, "2026 Rp", "Pagu Indikatif"), a target, an outturn.
BUDGET_LABEL_WORDS = frozenset("rp rupiah pagu anggaran budget juta miliar triliun".split())
TARGET_LABEL_WORDS = frozenset("target targets".split())
OUTTURN_LABEL_WORDS = frozenset("realisasi capaian actual achievement".split())
# A goal/target cell that names a program ("PROGRAM PENGELOLAAN PENDIDIKAN") or a government affair ("Urusan
# Pemerintahan Bidang Pendidikan") rather than a goal.
PROGRAM_WORDS = frozenset("program programme".split())
AFFAIR_WORDS = frozenset("urusan affair affairs".split())
# A government affair's formal name ("Urusan Pemerintahan Bidang Perpustakaan") as people say it ("urusan perpustakaan").
AFFAIR_FORMAL_NAME = re.compile(r"\burusan\s+pemerintahan\s+bidang\b", re.IGNORECASE)

# Words that place an event in time without a date ("pada akhir periode Kerajaan Lama", "in the early
# century"): a "when" question can be answered by them.
TIME_WORDS = frozenset(
    """
    abad zaman masa era periode dekade dasawarsa windu akhir awal pertengahan silam
    century centuries decade period era age early late mid
    """.split()
)

# --- plan types --------------------------------------------------------------------------------------------

# Document types, most specific first: (type, pattern over a title or a regulation's subject).
DOC_TYPES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.IGNORECASE))
    for name, pattern in (
        ("RPJPD", r"\brencana\s+pembangunan\s+jangka\s+panjang(?!\s+nasional)(?:\s+daerah)?\b|\brpjpd\b|\blong[-\s]term\s+(?:development\s+)?plan\b"),
        ("RPJMD", (r"\brencana\s+pembangunan\s+jangka\s+menengah(?!\s+nasional)(?:\s+daerah)?\b|\brpjmd\b"
         r"|\bmedium[-\s]term\s+(?:development\s+)?plan\b")),
        ("RKPD", r"\brencana\s+kerja\s+pemerintah\s+daerah\b|\brkpd\b|\b(?:annual|government)\s+work\s+plan\b"),
        ("Renstra", r"\brencana\s+strategis\b|\brenstra\b|\bstrategic\s+plan\b"),
        ("Renja", r"\brencana\s+kerja\b|\brenja\b"),
        ("RTRW", r"\brencana\s+tata\s+ruang\s+wilayah\b|\brtrw\b"),
        ("KUA-PPAS", r"\bkebijakan\s+umum\s+(?:perubahan\s+)?anggaran\b|\bkua\b"),
        ("Pertanggungjawaban APBD",
         r"\bpertanggungjawaban\s+pelaksanaan\s+(?:anggaran\s+pendapatan\s+dan\s+belanja\s+daerah|apbd)\b"),
        ("Perubahan APBD", (r"\bperubahan\s+(?:anggaran\s+pendapatan\s+dan\s+belanja\s+daerah|apbd)\b|\bp-?apbd\b"
         r"|\brevis(?:ed|ing|ion\s+of)\s+(?:the\s+)?(?:\d{4}\s+)?(?:regional\s+)?budget\b")),
        ("APBD", r"\banggaran\s+pendapatan\s+dan\s+belanja\s+daerah\b|\bapbd\b|\bregional\s+budget\b"),
        ("LKPJ", r"\blaporan\s+keterangan\s+pertanggungjawaban\b|\blkpj\b"),
        ("LPPD", r"\blaporan\s+penyelenggaraan\s+pemerintahan\s+daerah\b|\blppd\b"),
        ("LKjIP", r"\blaporan\s+kinerja\b|\blkjip\b|\blakip\b"),
        ("Visi dan Misi", r"\bvisi\s*(?:dan|&|-)?\s*misi\b"),
    )
)  # fmt: skip

# --- a regulation's enactment ------------------------------------------------------------------------------

# An Indonesian regulation closes with the formula "Ditetapkan di <place> pada tanggal <date>" (enacted: signed
# by the head of region, whose office, "ttd" and name follow) and "Diundangkan di <place> pada tanggal <date>"
# (promulgated, by the regional secretary). Questions asking for either, by their words:
ENACTMENT_CUES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("promulgated", ("diundangkan", "pengundangan", "promulgated", "promulgation")),
    ("enacted", ("ditetapkan", "disahkan", "ditandatangani", "menandatangani", "menandatanganinya", "penetapan",
                 "enacted", "adopted", "signed", "passed", "issued", "approved", "signs")),
)
CLOSING_FORMULA = re.compile(
    r"\b(Ditetapkan|Diundangkan)\s+di\s+([A-Z][\w.'-]*(?:[ \t]+[A-Z][\w.'-]*)*)\s+pada\s+tanggal\s+"
    r"(\d{1,2}\s+[A-Za-z]+\s+\d{4})"
)
CLOSING_ACTS = {"ditetapkan": "enacted", "diundangkan": "promulgated"}
SIGNED = re.compile(r"^\s*(?:ttd|t\.t\.d|ttd\.)\s*$", re.IGNORECASE | re.MULTILINE)  # "ttd": signed (on a copy)

# Words that frame a table question without naming its row (besides the cells' own words, TABLE_CELL_CUES):
# the year, the table and the kind of plan ("Berapa target ... tahun 2027 dalam tabel RPJMD?").
TABLE_FRAME_WORDS = frozenset("tahun year years tabel table".split()) | frozenset(
    name.lower() for name, _ in DOC_TYPES if name.isalpha()
)

# --- what is refused, politely ---------------------------------------------------------------------------

# Requests that try to steer the system instead of asking about the plans.
INSTRUCTION_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p)
    for p in (
        r"\b(abaikan|lupakan|acuhkan|hiraukan|jangan ikuti)\b.{0,40}\b(instruksi|perintah|aturan|arahan|prompt)",
        r"\b(ignore|disregard|forget|override)\b.{0,40}\b(instructions?|rules|prompts?|guidelines|directions)\b",
        r"\bmode (admin|administrator|developer|pengembang|debug|dewa|tanpa batas)\b",
        r"\b(admin|administrator|developer|debug|god|dan|jailbreak) mode\b",
        r"\b(system prompt|prompt sistem|jailbreak)\b",
        r"\b(you are now|from now on you|kamu sekarang|anda sekarang|mulai sekarang (kamu|anda))\b",
        r"\b(tanpa aturan|tanpa batasan|tanpa filter|without (any )?(rules|restrictions|limits|filters))\b",
        r"\b(pretend|berpura-pura|pura-pura|act as|bertindaklah sebagai|roleplay)\b",
        r"\b(reveal|show|print|tampilkan|tunjukkan|bocorkan)\b.{0,30}"
        + r"\b(instructions|instruksi|prompt|password|kata sandi|api key|kunci api)\b",
    )
)

# Personal data of a person: refused whoever asks.
PERSONAL_DATA = frozenset(
    """
    alamat rumah|alamat pribadi|nomor hp|no hp|no. hp|nomor telepon|nomor telp|no telp|nomor handphone|nomor ponsel
    nomor whatsapp|nomor wa|email pribadi|nik|nomor ktp|ktp|nomor rekening|rekening pribadi|tanggal lahir
    rekam medis|riwayat penyakit|home address|private address|phone number|mobile number|telephone number
    whatsapp number|cell number|personal email|private email|id number|identity card number|bank account
    date of birth|birthday|medical record|medical history|married to|spouse|wife|husband|istrinya|suaminya
    istri dari|suami dari|her children|his children|anak-anaknya|keluarganya
    """.replace("\n", "|").strip("| ").split("|")
) - {""}
# Money of a person (a salary, wealth): personal when the question is about a person.
PERSONAL_MONEY = frozenset(
    "gaji|penghasilan pribadi|harta|kekayaan|tunjangan pribadi|salary|salaries|wage|net worth|wealth|"
    "personal income|assets".split("|")
)
PERSON_TITLES = frozenset(
    "gubernur|wakil gubernur|wali kota|walikota|wakil wali kota|bupati|wakil bupati|kepala dinas|kepala badan|"
    "sekda|sekretaris daerah|camat|lurah|pejabat|pegawai|anggota dprd|ketua dprd|pak|bu|bapak|ibu|governor|"
    "vice governor|deputy governor|mayor|deputy mayor|regent|official|officials|civil servant|head of".split("|")
)

REFUSALS: dict[str, dict[str, str]] = {
    "instruction": {
        "id": "Maaf, saya hanya menjawab pertanyaan tentang isi dokumen rencana pembangunan, dan tidak menjalankan "
              "instruksi untuk mengubah cara kerja saya.",
        "en": "Sorry, I only answer questions about what the development plans say, and I do not follow "
              "instructions to change how I work.",
    },
    "personal": {
        "id": "Maaf, saya tidak memberikan data pribadi seseorang (seperti alamat, nomor telepon atau "
              "penghasilan). Tanyakan isi rencana pembangunannya.",
        "en": "Sorry, I do not give out anyone's personal data (such as an address, a phone number or income). "
              "Ask about what the plans say.",
    },
}


# Numbers as plan tables write them: "0,65" and "14,2" (decimal comma), "1.273.358" (thousands dots),
# "3.679,36" (both), and in converted tables also "2,332,494" (thousands commas) or "4.53" (decimal dot).
_NUMBER_TOKEN = re.compile(r"\d+(?:[.,]\d+)*")


def read_number(token: str) -> float:
    """The value of one written number: the last separator is the decimal one when both kinds appear; a
    separator used more than once groups thousands; a lone dot before exactly three digits groups thousands
    ("1.250"), a lone comma is the decimal comma ("14,2")."""
    dots, commas = token.count("."), token.count(",")
    if dots and commas:
        decimal = "," if token.rfind(",") > token.rfind(".") else "."
        thousands = "." if decimal == "," else ","
        return float(token.replace(thousands, "").replace(decimal, "."))
    if dots > 1 or commas > 1:
        return float(token.replace(".", "").replace(",", ""))
    if dots:
        whole, frac = token.split(".")
        return float(whole + frac) if len(frac) == 3 else float(token)
    return float(token.replace(",", "."))


def numbers_in(value: str) -> list[float]:
    """The numbers written in a table value: "5,00-5,30" gives [5.0, 5.3], "A (82,14)" gives [82.14]."""
    return [read_number(t) for t in _NUMBER_TOKEN.findall(value)]
