"""Site photos and the year rollover in a real browser: thumbnails on the report page and in the
bulletin's print view load (served through the role-checked media view), the upload page attaches a
photo, the rollover page previews before it confirms."""

from decimal import Decimal

from io import BytesIO

import pytest
from PIL import Image, ImageDraw
from django.core.files.uploadedfile import SimpleUploadedFile

from projects.models import AnnualPlan, Bulletin, MonthlyReport
from projects.services.attachments import attachment_add
from projects.tests.browser.helpers import login, screenshot
from projects.tests.test_attachments import jpeg_with_exif

pytestmark = pytest.mark.browser

LOADED = "imgs => imgs.map(i => i.complete && i.naturalWidth > 0)"


def test_photos_on_the_report_the_upload_page_and_the_print_view(page, office, project, tmp_path):
    report = MonthlyReport.objects.create(project=project, year=2013, month=10, completed_ytd=Decimal("62000"),
                                          status="accepted")
    for i, colour in enumerate([(200, 60, 40), (40, 120, 200)]):
        image = Image.new("RGB", (640, 480), colour)
        ImageDraw.Draw(image).rectangle([100, 150, 540, 420], fill=(230, 230, 230))
        out = BytesIO()
        image.save(out, "JPEG")
        attachment_add(user=office, report=report, caption=f"主体施工{i + 1}",
                       file=SimpleUploadedFile(f"{i}.jpg", out.getvalue()))
    login(page, "office")
    page.goto(f"/admin/projects/monthlyreport/{report.pk}/change/")
    thumbs = page.locator("img[src*='/thumbnail/']")
    assert thumbs.count() == 2
    page.wait_for_function(f"() => [...document.querySelectorAll(\"img[src*='/thumbnail/']\")].every(i => i.complete)")
    assert thumbs.evaluate_all(LOADED) == [True, True]
    screenshot(page, "report-photos")

    page.click("text=添加照片或文件")
    upload = tmp_path / "site.jpg"
    upload.write_bytes(jpeg_with_exif((800, 600), orientation=6))
    page.set_input_files("#id_upload", str(upload))
    page.fill("#id_caption", "基坑支护")
    with page.expect_navigation():
        page.click("input[name=_save]")
    assert f"/monthlyreport/{report.pk}/change/" in page.url
    assert page.locator("img[src*='/thumbnail/']").count() == 3

    bulletin = Bulletin.objects.create(year=2013, month=10)
    page.goto(f"/admin/projects/bulletin/{bulletin.pk}/print/")
    photos = page.locator("#bulletin-photos + .photos img")
    assert photos.count() == 3 and photos.evaluate_all(LOADED) == [True, True, True]
    page.locator("#bulletin-photos").scroll_into_view_if_needed()
    screenshot(page, "bulletin-print-photos")
    assert page.outside_requests == []


def test_the_rollover_page_previews_then_opens_the_year(page, office, project, plan):
    login(page, "office")
    page.goto("/admin/rollover/")
    page.fill("#id_year", "2013")
    page.click("input[name=preview]")
    assert "开启 2014 年：结转项目 1 个，关闭 0 个" in page.locator("#rollover-summary").inner_text()
    screenshot(page, "year-rollover-preview")
    assert not AnnualPlan.objects.filter(year=2014).exists()
    with page.expect_navigation():
        page.click("input[name=confirm]")
    assert "/admin/projects/programme/" in page.url
    assert AnnualPlan.objects.get(year=2014).is_draft
