"""English -> Indonesian planning vocabulary, so English questions can meet Indonesian text word for word.

Used to translate question terms for the lexical index and for picking answer sentences; the dense
model is multilingual and needs none of this.
"""

from __future__ import annotations

import re

EN_ID: dict[str, tuple[str, ...]] = {
    "vision": ("visi",), "visions": ("visi",), "mission": ("misi",), "missions": ("misi",),
    "goal": ("tujuan",), "goals": ("tujuan",), "objective": ("tujuan", "sasaran"), "target": ("sasaran", "target"),
    "program": ("program",), "programs": ("program",), "programme": ("program",), "work": ("kerja",),
    "priority": ("prioritas",), "priorities": ("prioritas",), "commitment": ("komitmen",), "commitments": ("komitmen",),
    "affair": ("urusan",), "affairs": ("urusan",), "responsible": ("mengampu", "urusan"), "agency": ("dinas", "badan"),
    "office": ("dinas", "kantor"), "department": ("dinas",), "pillar": ("pokok",), "pillars": ("pokok",),
    "city": ("kota",), "regency": ("kabupaten",), "province": ("provinsi",), "district": ("kecamatan",),
    "mayor": ("walikota", "wali", "kepala daerah"), "government": ("pemerintahan", "pemerintah"),
    "governance": ("tata kelola", "pemerintahan", "governance"), "good": ("baik",), "plan": ("rencana",),
    "development": ("pembangunan",), "develop": ("pembangunan", "mengembangkan"), "build": ("pembangunan", "membangun"),
    "education": ("pendidikan",), "educated": ("berpendidikan",), "school": ("sekolah", "pendidikan"),
    "scholarship": ("beasiswa",), "scholarships": ("beasiswa",), "free": ("gratis",),
    "health": ("kesehatan", "sehat"), "healthy": ("sehat",), "prosperous": ("sejahtera",), "welfare": ("kesejahteraan", "sejahtera"),
    "prosperity": ("kesejahteraan", "sejahtera"), "culture": ("budaya", "kebudayaan"), "cultured": ("berbudaya",),
    "religion": ("agama", "keagamaan"), "religious": ("agama", "keagamaan", "religius"), "worship": ("ibadah",),
    "infrastructure": ("infrastruktur", "prasarana"), "facilities": ("sarana", "prasarana"), "facility": ("sarana",),
    "road": ("jalan",), "roads": ("jalan",), "street": ("jalan",), "lighting": ("penerangan",), "light": ("penerangan",),
    "lights": ("penerangan",), "drainage": ("drainase", "gorong"), "flood": ("terendam", "banjir"), "flooding": ("terendam",),
    "sanitation": ("sanitasi",), "waste": ("sampah", "persampahan"), "garbage": ("sampah", "persampahan"),
    "trash": ("sampah",), "rubbish": ("sampah",), "environment": ("lingkungan",), "environmental": ("lingkungan",),
    "green": ("hijau",), "park": ("taman",), "parks": ("taman",), "cemetery": ("pemakaman",), "cemeteries": ("pemakaman",),
    "burial": ("pemakaman",), "open": ("terbuka",), "space": ("ruang",), "housing": ("perumahan",), "house": ("rumah",),
    "settlement": ("permukiman", "kawasan"), "settlements": ("permukiman",), "slum": ("kumuh",), "slums": ("kumuh",),
    "stadium": ("stadion",), "public": ("publik", "umum"), "service": ("pelayanan", "layanan"), "services": ("pelayanan", "layanan"),
    "building": ("gedung",), "integrated": ("terpadu", "terintegrasi"), "information": ("informasi",),
    "technology": ("teknologi",), "communication": ("komunikasi",), "digital": ("teknologi", "informasi"),
    "economy": ("ekonomi", "perekonomian"), "economic": ("ekonomi", "perekonomian"), "creative": ("kreatif",),
    "tourism": ("wisata", "pariwisata"), "tourist": ("wisata",), "business": ("usaha",), "businesses": ("usaha",),
    "small": ("kecil", "mikro"), "enterprise": ("usaha",), "enterprises": ("usaha",), "investment": ("investasi",),
    "jobs": ("lapangan pekerjaan", "kerja"), "job": ("pekerjaan", "kerja"), "employment": ("pekerjaan", "kerja"),
    "industry": ("industri", "perindustrian"), "trade": ("perdagangan",), "poverty": ("kemiskinan",),
    "growth": ("pertumbuhan",), "competitive": ("daya saing", "berdaya saing"), "competitiveness": ("daya saing",),
    "quality": ("kualitas",), "quantity": ("kuantitas",), "human": ("manusia",), "resources": ("sumber daya",),
    "people": ("masyarakat", "warga"), "community": ("masyarakat",), "citizens": ("warga", "masyarakat"),
    "residents": ("warga",), "society": ("masyarakat",), "social": ("sosial",), "safe": ("aman",), "safety": ("aman",),
    "security": ("aman", "tertib"), "order": ("tertib",), "peaceful": ("damai",), "peace": ("damai",),
    "corruption": ("korupsi",), "transparency": ("transparansi", "tarnsparasi"), "accountability": ("akuntabilitas",),
    "participation": ("partisipasi",), "law": ("hukum",), "principles": ("prinsip",), "principle": ("prinsip",),
    "factors": ("faktor",), "factor": ("faktor",), "inhibiting": ("penghambat",), "obstacles": ("penghambat",),
    "supporting": ("pendorong",), "drivers": ("pendorong",), "budget": ("anggaran",), "funds": ("anggaran", "dana"),
    "money": ("anggaran", "dana"), "cost": ("biaya",), "staff": ("aparatur",), "apparatus": ("aparatur",),
    "integrity": ("integritas",), "professional": ("profesional",), "innovation": ("inovasi",),
    "smart": ("smart",), "command": ("command",), "center": ("center",), "traffic": ("lalu lintas",),
    "crime": ("kriminal",), "character": ("karakter",), "youth": ("pemuda",), "sports": ("olahraga",),
    "family": ("keluarga",), "families": ("keluarga",), "period": ("periode", "tahun"), "year": ("tahun",),
    "years": ("tahun",), "organizations": ("organisasi",), "organisations": ("organisasi",), "allowance": ("tunjangan",),
    "performance": ("kinerja",), "android": ("android",), "app": ("aplikasi",), "application": ("aplikasi",),
    "garden": ("taman",), "gardens": ("taman",), "water": ("air",), "rain": ("hujan",), "sidewalk": ("trotoar",),
    "sidewalks": ("trotoar",), "ring": ("lingkar",), "golden": ("emas",), "generation": ("generasi",),
    "spiritual": ("spiritual",), "intelligence": ("kecerdasan",), "emotional": ("emosional",), "dignified": ("bermartabat",),
    "honorable": ("terhormat",), "sustainable": ("berkelanjutan",), "efficient": ("efisien",), "effective": ("efektif",),
    "lubuklinggau": ("lubuklinggau",), "bekasi": ("bekasi",), "metro": ("metro",),
}

_WORD = re.compile(r"[a-z]+")


def translate_terms(text: str) -> list[str]:
    """Indonesian words for the English planning words in text (others dropped)."""
    out: list[str] = []
    for word in _WORD.findall(text.lower()):
        for phrase in EN_ID.get(word, ()):
            out.extend(phrase.split())
    return out
