"""HTML to PDF with the headless Chromium the project already installs for its browser tests.

Why Chromium and not WeasyPrint: Chromium is already part of the development set-up (dev.py
apt-installs it), renders the print view exactly as the browser's own "打印" does (one stylesheet,
@page A4 landscape, light colours kept), and needs no new Python dependency; WeasyPrint would add
a package plus the pango libraries for the same result. Either engine needs a CJK font to render
Chinese (fonts-wqy-microhei, installed by dev.py next to Chromium). Where no engine is found the
PDF link is hidden and the print view (print from the browser) remains."""

import functools
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from django.conf import settings

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
TIMEOUT_SECONDS = 60


class PdfUnavailable(Exception):
    """No PDF engine on this machine, or it failed."""


@functools.cache
def pdf_engine():
    """The browser binary that prints PDFs (TRACKER_PDF_BROWSER or the first found on PATH), or None.
    A machine without a Chinese font counts as without an engine: its PDFs would show empty boxes."""
    configured = getattr(settings, "TRACKER_PDF_BROWSER", "")
    candidates = [configured] if configured else BROWSERS
    browser = next((path for name in candidates if (path := shutil.which(name))), None)
    if browser is None or not has_cjk_font():
        return None
    return browser


def has_cjk_font():
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return True  # cannot tell; let the engine try
    try:
        found = subprocess.run([fc_list, ":lang=zh", "family"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return True
    return bool(found.strip())


def pdf_available():
    return pdf_engine() is not None


def html_to_pdf(html):
    """The PDF bytes of a self-contained HTML page (no external resources), printed as its @page
    rules say. Raises PdfUnavailable."""
    browser = pdf_engine()
    if browser is None:
        raise PdfUnavailable("no PDF engine")
    with tempfile.TemporaryDirectory(prefix="tracker-pdf-") as tmp:
        page, out = Path(tmp) / "page.html", Path(tmp) / "page.pdf"
        page.write_text(html, encoding="utf-8")
        command = [
            browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
            "--disable-extensions", "--no-pdf-header-footer", f"--user-data-dir={Path(tmp) / 'profile'}",
            f"--print-to-pdf={out}", page.as_uri(),
        ]
        env = {**os.environ, "HOME": tmp}
        try:
            subprocess.run(command, capture_output=True, timeout=TIMEOUT_SECONDS, check=True, env=env, cwd=tmp)
        except (OSError, subprocess.SubprocessError) as exc:
            raise PdfUnavailable(str(exc)) from exc
        if not out.exists() or out.stat().st_size == 0:
            raise PdfUnavailable("the browser wrote no PDF")
        return out.read_bytes()
