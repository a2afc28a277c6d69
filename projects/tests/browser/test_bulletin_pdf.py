"""The bulletin's PDF as the meeting gets it: printed by Chromium, converted to images with pdftoppm
and to text with pdftotext (Debian poppler-utils; dev.py test installs it next to chromium).
No ink beyond the printable width (A4 landscape, 10 mm side margins) on any page; the running
header says who issues it, which issue and which bulletin, with its hyphen as a hyphen."""

import shutil
import subprocess

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.contrib.auth import get_user_model
from django.urls import reverse

from projects.models import Bulletin
from projects.tests.browser.helpers import browser_tests_disabled, require_chromium

DPI = 50
MM = DPI / 25.4
PAGE_WIDTH_MM, SIDE_MARGIN_MM = 297, 10


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        with transaction.atomic():
            call_command("load_library", verbosity=0)
            yield
            transaction.set_rollback(True)


def poppler(tool):
    path = shutil.which(tool)
    if path is None:
        if browser_tests_disabled():
            pytest.skip(f"{tool} is not installed and TRACKER_BROWSER_TESTS=0")
        pytest.fail(f"{tool} is not installed: apt-get install poppler-utils (python3 dev.py test installs it)",
                    pytrace=False)
    return path


def read_pgm(path):
    """(width, height, bytes) of a binary greyscale PGM (P5, 8 bit) as pdftoppm -gray writes it."""
    data = path.read_bytes()
    fields, position = [], 0
    while len(fields) < 4:
        while data[position:position + 1].isspace():
            position += 1
        if data[position:position + 1] == b"#":
            position = data.index(b"\n", position) + 1
            continue
        end = position
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[position:end])
        position = end
    assert fields[0] == b"P5" and fields[3] == b"255"
    width, height = int(fields[1]), int(fields[2])
    pixels = data[position + 1:]
    assert len(pixels) == width * height
    return width, height, pixels


@pytest.fixture(scope="module")
def october_pdf(demo, django_db_blocker, tmp_path_factory):
    """The October 2013 bulletin's PDF from the admin's PDF button, printed once for the module."""
    require_chromium()
    from projects.pdf import pdf_available

    assert pdf_available(), "chromium and a Chinese font are needed for the PDF"
    with django_db_blocker.unblock():
        client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
        client.force_login(get_user_model().objects.get(username="demo_office"))
        bulletin = Bulletin.objects.get(year=2013, month=10)
        response = client.get(reverse("admin:projects_bulletin_pdf", args=[bulletin.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    path = tmp_path_factory.mktemp("pdf") / "bulletin.pdf"
    path.write_bytes(response.content)
    return path


def test_no_ink_beyond_the_printable_width_on_any_page(october_pdf, tmp_path):
    subprocess.run([poppler("pdftoppm"), "-gray", "-r", str(DPI), str(october_pdf), str(tmp_path / "page")],
                   check=True, timeout=60)
    pages = sorted(tmp_path.glob("page-*.pgm"))
    assert len(pages) == 3  # totals; the project rows; the projects pressed
    for page in pages:
        width, height, pixels = read_pgm(page)
        assert abs(width - PAGE_WIDTH_MM * MM) < 2, "A4 landscape"
        right_edge = round((PAGE_WIDTH_MM - SIDE_MARGIN_MM) * MM) + 1
        inked = [x for y in range(height) for x in range(right_edge, width) if pixels[y * width + x] < 200]
        assert not inked, f"{page.name}: ink beyond {PAGE_WIDTH_MM - SIDE_MARGIN_MM} mm (x ≥ {right_edge} px)"
        # ...while the tables do reach close to it: the check looks at a filled page.
        near = round((PAGE_WIDTH_MM - SIDE_MARGIN_MM - 5) * MM)
        assert any(pixels[y * width + x] < 200 for y in range(height) for x in range(near, right_edge))


def test_the_header_names_the_office_the_issue_and_the_bulletin(october_pdf):
    text = subprocess.run([poppler("pdftotext"), "-layout", str(october_pdf), "-"], check=True, timeout=60,
                          capture_output=True, text=True).stdout
    pages = text.split("\f")
    header = pages[0].splitlines()[0]
    assert "解放区重点项目建设领导小组办公室" in header and "2013年第10期" in header
    assert "2013年1-10月全区重点项目建设进展情况通报" in header and "已发布" in header
    assert "u002D" not in text
    for number, page in enumerate(pages[:3], start=1):
        assert f"第 {number} 页，共 3 页" in page
    first = pages[0]
    assert "重点项目建设月通报" in first and "2013年11月10日印发" in first
    # Each table's heading stands on the page of its first rows.
    assert "二、项目明细（万元）" in pages[1] and "星凯国际城市综合体" in pages[1] and "62,000.00" in pages[1]
    assert "三、月度现场办公会督促项目（完成率最低的 3 个）" in pages[2] and "北山生态环境治理" in pages[2]
    assert "三、" not in pages[1]
    # The early warning (预警) is the rows' last column, frozen with the published bulletin.
    assert "预警" in pages[1] and "预计年底" in pages[1]
