"""A running service (the chat server's) sees what another process ingests, without a restart."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import cli_env

FIRST = """# Visi dan Misi Kota Contoh

Visi Kota Contoh adalah "Kota Contoh yang Hijau dan Sejahtera".

Misi 1 : Mewujudkan taman kota di setiap kelurahan.
"""
SECOND = """# Program Perahu Sungai Kota Contoh

Program Perahu Sungai menyediakan angkutan sungai gratis bagi pelajar di sepanjang Sungai Cemara.
"""


def test_service_answers_from_documents_ingested_by_another_process(tmp_path, embedder):
    from bot.service import Planbot
    from planbot.settings import Settings

    corpus, home = tmp_path / "plans", tmp_path / "home"
    corpus.mkdir()
    (corpus / "visi.md").write_text(FIRST, encoding="utf-8")

    def ingest():
        proc = subprocess.run([sys.executable, "-m", "bot", "ingest", str(corpus)], env=cli_env(home),
                              capture_output=True, text=True, timeout=600, check=False)
        assert proc.returncode == 0, proc.stderr

    ingest()
    bot = Planbot(Settings(home=home), embedder)
    before = bot.ask("Apa itu Program Perahu Sungai?")
    assert not any("Perahu Sungai" in c.text for c in before.citations)

    (corpus / "perahu.md").write_text(SECOND, encoding="utf-8")
    ingest()  # another process: the service's Chroma client and BM25 were loaded before it
    after = bot.ask("Apa itu Program Perahu Sungai?")
    assert not after.abstained
    assert "Perahu Sungai" in after.citations[0].text and "angkutan sungai gratis" in after.answer
