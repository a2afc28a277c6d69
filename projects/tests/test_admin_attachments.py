"""Photos and documents in the admin: thumbnails on the report and the problem, the upload page with
its errors, and who may upload there."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from projects.models import Attachment, MonthlyReport
from projects.services.attachments import attachment_add
from projects.tests.test_attachments import jpeg_with_exif, media_root, problem  # noqa: F401

ADD = "/admin/projects/attachment/add/"


@pytest.fixture
def report(project):
    return MonthlyReport.objects.create(project=project, year=2013, month=10, completed_ytd=Decimal("62000"),
                                        status="accepted")


def test_the_report_page_shows_thumbnails_and_a_link_to_add(client, office, report):
    photo = attachment_add(user=office, report=report, file=SimpleUploadedFile("a.jpg", jpeg_with_exif()),
                           caption="主体封顶")
    client.force_login(office)
    page = client.get(reverse("admin:projects_monthlyreport_change", args=[report.pk])).content.decode()
    assert f'src="/files/attachments/{photo.pk}/thumbnail/"' in page
    assert f'href="/files/attachments/{photo.pk}/"' in page
    assert "主体封顶" in page
    assert f'href="{ADD}?report={report.pk}"' in page


def test_the_problem_page_lists_its_documents(client, office, problem):
    doc = attachment_add(user=office, problem=problem, file=SimpleUploadedFile("纪要.pdf", b"%PDF-1.7"))
    client.force_login(office)
    page = client.get(reverse("admin:projects_problem_change", args=[problem.pk])).content.decode()
    assert f'<a href="/files/attachments/{doc.pk}/">纪要.pdf</a>' in page
    assert f'href="{ADD}?problem={problem.pk}"' in page


def test_uploading_on_the_admin_page_attaches_and_returns_to_the_report(client, reporter, report):
    client.force_login(reporter)
    assert client.get(f"{ADD}?report={report.pk}").status_code == 200
    response = client.post(ADD, {"report": report.pk, "caption": "基坑",
                                 "upload": SimpleUploadedFile("site.jpg", jpeg_with_exif())})
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:projects_monthlyreport_change", args=[report.pk])
    photo = Attachment.objects.get()
    assert (photo.report, photo.caption, photo.uploaded_by, photo.kind) == (report, "基坑", reporter, "photo")


@pytest.mark.parametrize("persona, name, data, message", [
    ("office", "site.jpg", b"not a picture", "不是 JPEG、PNG 或 WebP 图片"),
    ("office", "virus.exe", b"MZ", "不接受 .exe 类型的文件"),
    ("outsider", "site.jpg", jpeg_with_exif(), "本单位不是该项目的责任单位"),
])
def test_a_refused_upload_is_a_form_error(request, client, report, persona, name, data, message):
    client.force_login(request.getfixturevalue(persona))
    response = client.post(ADD, {"report": report.pk, "upload": SimpleUploadedFile(name, data)})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Attachment.objects.count() == 0


def test_the_list_shows_thumbnails_in_a_fixed_number_of_queries(client, office, report, problem,
                                                                  django_assert_max_num_queries):
    for i in range(5):
        attachment_add(user=office, report=report, file=SimpleUploadedFile(f"{i}.jpg", jpeg_with_exif((40, 30))))
        attachment_add(user=office, problem=problem, file=SimpleUploadedFile(f"{i}.pdf", b"%PDF-1"))
    client.force_login(office)
    with django_assert_max_num_queries(12):
        page = client.get("/admin/projects/attachment/").content.decode()
    assert page.count('/thumbnail/"') == 5 and page.count(".pdf</a>") == 5


def test_the_bulletin_print_view_shows_the_months_photos_per_project(client, office, project, unit,
                                                                     django_assert_max_num_queries):
    from projects.models import Bulletin, Project

    october = MonthlyReport.objects.create(project=project, year=2013, month=10, completed_ytd=Decimal("62000"),
                                           status="accepted")
    september = MonthlyReport.objects.create(project=project, year=2013, month=9, completed_ytd=Decimal("50000"),
                                             status="accepted")
    other = Project.objects.create(name="锦江商业广场", lead_unit=unit)
    pending = MonthlyReport.objects.create(project=other, year=2013, month=10, completed_ytd=Decimal("1"),
                                           status="submitted")
    for i in range(6):
        attachment_add(user=office, report=october, caption=f"十月{i}",
                       file=SimpleUploadedFile(f"{i}.jpg", jpeg_with_exif((80, 60))))
    attachment_add(user=office, report=september, caption="九月", file=SimpleUploadedFile("s.jpg", jpeg_with_exif()))
    attachment_add(user=office, report=pending, caption="未受理", file=SimpleUploadedFile("p.jpg", jpeg_with_exif()))
    attachment_add(user=office, report=october, caption="纪要", file=SimpleUploadedFile("m.pdf", b"%PDF-1"))
    bulletin = Bulletin.objects.create(year=2013, month=10)
    client.force_login(office)
    with django_assert_max_num_queries(14):
        page = client.get(reverse("admin:projects_bulletin_print", args=[bulletin.pk])).content.decode()
    section = page.split('id="bulletin-photos"', 1)[1]
    assert section.startswith(">本月形象进度照片<")
    assert section.count('<figure class="photo-project">') == 1
    assert "<strong>星凯国际城市综合体</strong>（另有 2 张照片）" in section
    assert section.count('src="data:image/jpeg;base64,') == 4
    assert [f'title="十月{i}"' in section for i in range(6)] == [True] * 4 + [False] * 2
    assert "九月" not in section and "未受理" not in section and "纪要" not in section
