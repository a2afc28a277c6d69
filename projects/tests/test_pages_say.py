"""What the admin pages SAY to a clerk and a leader on the demo year 2013 (the whole library loaded
once for the module): the words and figures on the rendered page, read as text (page_text)."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse

from projects.models import MonthlyReport

from .page_text import page_text, table_rows, texts_of_class

STARKAI, JINJIANG = "星凯国际城市综合体", "锦江商业广场暨五星级酒店"


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        with transaction.atomic():
            call_command("load_library", verbosity=0)
            yield
            transaction.set_rollback(True)


@pytest.fixture
def loaded(demo, db):
    return None


def client_of(username, language="zh-hans"):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(get_user_model().objects.get(username=username))
    return client


def page(username, url, element_id=None, language="zh-hans"):
    response = client_of(username, language).get(url)
    assert response.status_code == 200, (url, response.status_code)
    return page_text(response.content, element_id)


DASHBOARD = reverse("tracker_dashboard")


# --- the dashboard ---------------------------------------------------------------------------------

def test_reports_loaded_accepted_without_a_submitted_time_are_not_missing(loaded):
    # The facts load 星凯国际's and 锦江's October reports accepted, with no submitted time.
    october = MonthlyReport.objects.filter(year=2013, month=10, project__name__in=[STARKAI, JINJIANG])
    assert {(r.status, r.submitted_at) for r in october} == {("accepted", None)}
    missing = page("demo_office", f"{DASHBOARD}?year=2013&month=10", "trk-dash-missing")
    assert missing.splitlines()[0] == "本月未报月汇报: 0"
    assert STARKAI not in missing and JINJIANG not in missing
    assert "无。" in missing


def test_a_returned_report_counts_as_missing_on_the_dashboard(loaded):
    report = MonthlyReport.objects.get(year=2013, month=10, project__name=STARKAI)
    MonthlyReport.objects.filter(pk=report.pk).update(status="draft", return_reason="数字有误")
    missing = page("demo_office", f"{DASHBOARD}?year=2013&month=10", "trk-dash-missing")
    assert missing.splitlines()[0] == "本月未报月汇报: 1"
    assert STARKAI in missing and JINJIANG not in missing


def test_the_default_month_is_the_latest_most_projects_have_accepted_and_the_page_says_so(loaded):
    heading = page("demo_office", DASHBOARD, "trk-dash-month")
    assert "截至 2013年12月末" in heading
    assert "12 个有年度计划的项目中 12 个" in heading and "十二月" not in heading
    assert page("demo_office", DASHBOARD, "trk-dash-month", language="en").startswith(
        "Standing at the end of December 2013")
    # One new project reports early for January 2014: the dashboard stays on December 2013.
    from projects.models import AnnualPlan, Project

    early = Project.objects.get(name=STARKAI)
    AnnualPlan.objects.create(project=early, year=2014, planned_investment="1000")
    for other in Project.objects.filter(annual_plans__year=2013).exclude(pk=early.pk)[:3]:
        AnnualPlan.objects.create(project=other, year=2014, planned_investment="1000")
    MonthlyReport.objects.create(project=early, year=2014, month=1, completed_ytd="10", status="accepted")
    heading = page("demo_office", DASHBOARD, "trk-dash-month")
    assert "截至 2013年12月末" in heading, heading
    # Three of the four 2014 projects report: January 2014 is the month most have accepted.
    for other in Project.objects.filter(annual_plans__year=2014).exclude(pk=early.pk)[:2]:
        MonthlyReport.objects.create(project=other, year=2014, month=1, completed_ytd="10", status="accepted")
    heading = page("demo_office", DASHBOARD, "trk-dash-month")
    assert "截至 2014年1月末" in heading and "4 个有年度计划的项目中 3 个" in heading, heading


def test_the_dashboard_says_when_problems_are_counted_and_which_way_the_gap_goes(loaded):
    import datetime

    from django.utils import translation

    from projects.admin.dashboard import gap_text, overdue_heading

    problems = page("demo_office", f"{DASHBOARD}?year=2013&month=10", "trk-dash-problems")
    assert problems.startswith("逾期问题（截至月末）: "), problems
    gap = page("demo_office", f"{DASHBOARD}?year=2013&month=10", "trk-dash-gap")
    assert gap.startswith("(超前时间进度 ") and gap.endswith(" 个百分点)") and "超/落后" not in gap, gap
    with translation.override("zh-hans"):
        assert gap_text(-12.82) == "落后时间进度 12.82 个百分点" and gap_text(0) == "与时间进度持平"
        # In the current month the problems are counted on today, as the to-do counts them.
        assert overdue_heading({"as_of": datetime.date(2013, 10, 20), "year": 2013, "month": 10}) == \
            "逾期问题（截至今日）"
    with translation.override("en"):
        assert gap_text(12.82) == "12.82 points ahead of time progress"


# --- rankings (docs/rankings.md) -------------------------------------------------------------------

def test_a_leaders_best_list_has_no_red_project_and_the_worst_list_is_not_empty(loaded):
    url = f"{DASHBOARD}?year=2013&month=10"
    best = page("demo_leader1", url, "trk-dash-best")
    worst = page("demo_leader1", url, "trk-dash-worst")
    # demo_leader1 has three projects: 星凯国际 103.33%, 爱乐优 83.67%, 城际铁路安置房 55.50% (red).
    assert STARKAI in best and "城际铁路安置房" not in best and "爱乐优智能物联机器人项目" not in best
    assert "城际铁路安置房" in worst and STARKAI not in worst
    assert "无。" not in worst


def test_the_office_dashboard_lists_five_best_and_five_worst_without_overlap(loaded):
    html = client_of("demo_office").get(f"{DASHBOARD}?year=2013&month=10").content
    best = table_rows(html, "trk-dash-best")
    worst = table_rows(html, "trk-dash-worst")
    # No project of the demo has a lead unit: the column is left out rather than empty.
    assert best[0] == ["项目", "累计（万元）", "完成率（%）", "超/落后时间进度（百分点）"]
    rows = table_rows(client_of("demo_office").get(reverse("tracker_dashboard_projects") + "?year=2013&month=10").content,
                      "trk-dash-projects")
    assert "牵头单位" not in rows[0] and len(rows[0]) == len(rows[1]) == 8
    best_names = [row[0] for row in best[1:]]
    worst_names = [row[0] for row in worst[1:]]
    assert best_names == [JINJIANG, STARKAI, "龙寺水库", "南水北调集中安置社区", "焦运集团商业中心"]
    assert worst_names == ["北山生态环境治理", "城际铁路安置房", "和平街市场改造", "牧野路拓宽改造工程",
                           "普济河道改造工程"]


def test_the_october_bulletin_presses_the_three_lowest_projects(loaded, settings):
    from projects.models import Bulletin

    bulletin = Bulletin.objects.get(year=2013, month=10)
    url = reverse("admin:projects_bulletin_change", args=[bulletin.pk])
    pressed = page("demo_office", url, "bulletin-bottom")
    lines = pressed.splitlines()
    assert lines[0] == "月度现场办公会督促项目（完成率最低的 3 个）"
    assert [line.split("（")[0] for line in lines[1:]] == ["北山生态环境治理", "城际铁路安置房", "和平街市场改造"]
    settings.TRACKER_RANKING_BOTTOM = 5
    lines = page("demo_office", url, "bulletin-bottom").splitlines()
    assert lines[0] == "月度现场办公会督促项目（完成率最低的 5 个）" and len(lines) == 6


def test_the_q3_review_crowns_no_category_of_one(loaded):
    from projects.models import Review

    review = Review.objects.get(year=2013, quarter=3)
    html = client_of("demo_office").get(reverse("admin:projects_review_change", args=[review.pk])).content
    text = page_text(html)
    # 北山 (其他) and 爱乐优 (工业) are alone in their categories: ranked together, 北山 last.
    assert "单项目类别合并排名" in text
    assert table_rows(html, "trk-ranking-combined") == [
        ["排名", "项目", "类别", "得分", "评价"],
        ["1", "爱乐优智能物联机器人项目", "工业", "88.85", "激励先进"],
        ["2", "北山生态环境治理", "其他", "60.05", "鞭策后进"],
    ]
    assert [row[4] for row in table_rows(html, "trk-ranking-commerce")[1:]] == [
        "激励先进", "", "", "鞭策后进", "鞭策后进"]
    # Group headings are category names, never codes.
    ranking = text[text.index("单项目类别合并排名") - 400:]
    for code in ("commerce", "industry", "infrastructure", "urban_community"):
        assert code not in ranking
    assert "商贸服务\n" in text and "基础设施\n" in text


# --- states as words ---------------------------------------------------------------------------------

@pytest.mark.parametrize("model, column, words", [
    ("problem", "column-overdue", {"-", "已逾期"}),
    ("monthlyreport", "column-correction", {"-", "更正"}),
    ("reviewranking", "column-standing", {"-", "激励先进", "鞭策后进"}),
    ("milestone", "column-is_done", {"已完成", "逾期未实现", "未到期"}),
    ("bulletin", "column-superseded", {"-", "已因更正被取代"}),
    ("unit", "column-archived", {"-", "已归档"}),
    ("leader", "column-archived", {"-", "已归档"}),
    ("annualplan", "column-draft", {"-", "草案"}),
])
def test_states_read_as_words_not_ticks(loaded, model, column, words):
    from django.apps import apps

    if model in ("unit", "leader", "annualplan"):  # one archived or draft record among the ordinary ones
        record = apps.get_model("projects", model).objects.order_by("pk").first()
        setattr(record, "is_draft" if model == "annualplan" else "is_archived", True)
        record.save()
    everything = "?all=&archived=all" if model in ("unit", "leader") else "?all="  # archived ones too
    html = client_of("demo_office").get(reverse(f"admin:projects_{model}_changelist") + everything).content.decode()
    assert "icon-yes.svg" not in html and "icon-no.svg" not in html
    cells = [text.strip() for text in texts_of_class(html, f"field-{column.removeprefix('column-')}")]
    assert cells and set(cells) <= words, set(cells)
    if model in ("unit", "leader", "annualplan"):
        assert set(cells) == words and cells.count("-") == len(cells) - 1


def test_an_ordinary_report_is_not_marked_and_a_correction_is(loaded):
    correction = MonthlyReport.objects.filter(is_correction=True).first()
    assert correction is not None
    html = client_of("demo_office").get(reverse("admin:projects_monthlyreport_changelist") + "?all=").content.decode()
    cells = texts_of_class(html, "field-correction")
    assert cells.count("更正") == MonthlyReport.objects.filter(is_correction=True).count()
    assert cells.count("-") == MonthlyReport.objects.filter(is_correction=False).count()


def test_a_meetings_agenda_picks_its_projects_by_searching(loaded):
    import re

    from projects.models import Meeting

    meeting = Meeting.objects.filter(items__isnull=False).order_by("pk").first()
    html = client_of("demo_office").get(reverse("admin:projects_meeting_change", args=[meeting.pk])).content.decode()
    select = re.search(r'<select name="items-0-project"[^>]*>(.*?)</select>', html, re.S)
    assert "admin-autocomplete" in select.group(0)
    # Only the chosen project is on the page; the others are found by typing (星凯 → 星凯国际…).
    assert re.findall(r"<option[^>]*>([^<]*)</option>", select.group(1)) == [str(meeting.items.order_by("pk")[0].project)]
    response = client_of("demo_office").get(reverse("admin:autocomplete"), {
        "app_label": "projects", "model_name": "meetingitem", "field_name": "project", "term": "星凯"})
    assert [item["text"] for item in response.json()["results"]] == [STARKAI]


# --- the front door and the demo accounts -------------------------------------------------------

def test_the_site_root_leads_to_the_admin_login(db):
    response = Client().get("/", follow=True)
    assert response.redirect_chain[0] == ("/admin/", 302)
    assert response.redirect_chain[-1][0].startswith("/admin/login/")
    assert response.status_code == 200 and "用户名:\n密码:" in page_text(response.content)


def test_demo_passwords_gives_every_demo_account_a_password_that_logs_in(loaded, settings):
    import io

    from django.core.management.base import CommandError

    out = io.StringIO()
    call_command("demo_passwords", stdout=out)
    lines = out.getvalue().splitlines()
    accounts = {line.split()[0]: line.split()[1] for line in lines[1:-1]}
    assert sorted(accounts) == ["demo_leader1", "demo_leader2", "demo_leader3", "demo_leader4", "demo_leader5",
                                "demo_leader6", "demo_leader7", "demo_office", "demo_shangwu", "demo_wangchu",
                                "demo_zhujian"]
    assert "11 demo accounts" in lines[-1]
    for username in ("demo_office", "demo_shangwu", "demo_leader1"):
        response = Client().post(reverse("admin:login"), {"username": username, "password": accounts[username],
                                                          "next": "/admin/"})
        assert response.status_code == 302 and response["Location"] == "/admin/", username
    settings.PRODUCTION = True
    with pytest.raises(CommandError):
        call_command("demo_passwords", stdout=io.StringIO())


# --- the bulletin's print version: a document for the monthly meeting ------------------------------

def test_the_print_version_is_a_document_to_hand_out(loaded):
    from projects.models import Bulletin

    bulletin = Bulletin.objects.get(year=2013, month=10)
    html = client_of("demo_office").get(reverse("admin:projects_bulletin_print", args=[bulletin.pk])).content.decode()
    masthead = page_text(html, "masthead").splitlines()
    assert masthead == ["解放区重点项目建设领导小组办公室", "重点项目建设月通报", "2013年第10期",
                        "解放区重点项目建设领导小组办公室2013年11月10日印发"]
    # One title, on its own line (not the generic title and the bulletin's own side by side).
    text = page_text(html)
    assert "\n2013年1-10月全区重点项目建设进展情况通报\n" in text
    assert "解放区重点项目建设月通报（2013年10月） 2013年1-10月" not in text
    # No project has a code or a lead unit in the demo: those columns are left out; leaders stay;
    # the totals have no 按牵头单位 line (it would be a lone "—").
    assert not [row for row in table_rows(html, "totals") if row[0] == "按牵头单位"]
    details = table_rows(html, "details")
    assert "项目代码" not in details[0] and "牵头单位" not in details[0] and "分包领导" in details[0]
    assert len(details) == 13
    bottom = table_rows(html, "bottom")
    assert [row[0] for row in bottom[1:]] == ["北山生态环境治理", "城际铁路安置房", "和平街市场改造"]
    # Light counts are coloured only where there is something to count.
    totals = table_rows(html, "totals")
    assert totals[1][:3] == ["全部", "全部项目", "12"] and totals[1][-3:] == ["8", "0", "4"]
    assert '<td class="num count-yellow">' not in html and '<td class="num count-red">4</td>' in html
    assert '<td class="num">0</td>' in html
    # 万元 with thousands separators in the rows.
    xingkai = next(row for row in details if "星凯国际城市综合体" in row)
    assert "62,000.00" in xingkai and "103.33%" in xingkai


def test_a_draft_bulletin_prints_as_not_yet_issued(loaded):
    from projects.models import Bulletin

    draft = Bulletin.objects.create(year=2014, month=1)
    html = client_of("demo_office").get(reverse("admin:projects_bulletin_print", args=[draft.pk])).content.decode()
    masthead = page_text(html, "masthead")
    assert "2014年第1期" in masthead and "草稿，尚未印发" in masthead


# --- sources: the document's title and date, the fields' names ---------------------------------------

def test_sources_show_the_documents_title_and_the_fields_names(loaded):
    from projects.models import Project, Source

    html = client_of("demo_office").get(reverse("admin:projects_source_changelist")
                                        + "?document=001_9e72c8706aa50388.txt").content.decode()
    titles = set(texts_of_class(html, "field-document_title"))
    assert titles == {"《解放区2014年政府工作报告（2013年回顾与2014年计划）》（2014年初）"}
    labels = texts_of_class(html, "field-supports_labels")
    assert "名称；类型" in labels and "简介" in labels
    assert not any(code in label for label in labels for code in ("name", "kind", "description", "total_investment"))
    # A leader reads a project's sources on its page the same way.
    starkai = Project.objects.get(name=STARKAI)
    assert Source.objects.filter(project=starkai).exists()
    html = client_of("demo_leader1").get(reverse("admin:projects_project_change", args=[starkai.pk])).content.decode()
    documents = texts_of_class(html, "field-document_title")
    assert "《解放区2014年政府工作报告（2013年回顾与2014年计划）》（2014年初）" in documents
    assert not any(".txt" in document for document in documents)
    assert not any("_" in label for label in texts_of_class(html, "field-supports_labels"))


def test_the_office_edits_a_projects_sources_by_field_name_not_by_code(loaded):
    import re

    from projects.models import Project

    starkai = Project.objects.get(name=STARKAI)
    html = client_of("demo_office").get(reverse("admin:projects_project_change", args=[starkai.pk])).content.decode()
    group = html[html.index('id="projects-source-content_type-object_id-group"'):]
    group = group[:group.index("</fieldset>")]
    # No box shows the stored codes ("total_investment; stage (…)", "key_level; programme 342311").
    values = re.findall(r'<input[^>]*value="([^"]*)"', group) + re.findall(r"<textarea[^>]*>([^<]*)<", group)
    codes = ("total_investment", "key_level", "stage", "zone", "programme", "description", "aliases")
    assert not [value for value in values if any(code in value for code in codes)]
    # Each field the quote supports is picked by its name, its note beside it.
    chosen = re.findall(r'<option value="([a-z_ ]+)" selected>([^<]+)</option>', group)
    assert ("total_investment", "总投资") in chosen and ("stage", "项目阶段") in chosen
    assert ("key_level", "重点项目级别") in chosen and ("programme", "项目推进计划") in chosen
    assert ("zone", "功能区") in chosen
    assert 'value="342311"' in group and 'value="(市重点考核)"' in group


def test_the_bulletin_says_what_its_counts_count(loaded):
    from projects.models import Bulletin

    bulletin = Bulletin.objects.get(year=2013, month=10)
    url = reverse("admin:projects_bulletin_change", args=[bulletin.pk])
    assert page("demo_office", url, "bulletin-light-counts") == "(绿灯 8 / 黄灯 0 / 红灯 4)"
    assert page("demo_office", url, "bulletin-light-counts", language="en") == "(green 8 / yellow 0 / red 4)"


def test_the_bulletins_totals_name_the_plan_in_force_in_wan(loaded):
    from projects.models import Bulletin

    bulletin = Bulletin.objects.get(year=2013, month=10)
    url = reverse("admin:projects_bulletin_change", args=[bulletin.pk])
    totals = " ".join(page("demo_office", url, "bulletin-totals").split())
    assert totals.startswith("全部项目: 12 — 现行年度计划 213,000.00 万元, 累计完成 201,040.00 万元, "), totals
    assert "工作安排" not in totals
    english = " ".join(page("demo_office", url, "bulletin-totals", language="en").split())
    assert english.startswith("All projects: 12 — plan 213,000.00 万元, completed 201,040.00 万元, "), english


def test_the_bulletin_page_lists_each_category_in_rank_order_as_the_print_version_does(loaded):
    from projects.models import Bulletin

    bulletin = Bulletin.objects.get(year=2013, month=10)
    rows = table_rows(client_of("demo_office").get(reverse("admin:projects_bulletin_change", args=[bulletin.pk])).content,
                      "bulletin-rows")[1:]
    commerce = [row for row in rows if row[2] == "商贸服务"]
    assert [row[0] for row in commerce] == ["1", "2", "3", "4", "5"], commerce
    printed = table_rows(client_of("demo_office").get(reverse("admin:projects_bulletin_print", args=[bulletin.pk])).content,
                         "details")
    name = printed[0].index("项目名称")
    assert [row[1].removesuffix("未解决问题") for row in rows] == [line[name] for line in printed[1:]]


def test_the_bulletin_page_writes_wan_with_thousands_separators(loaded):
    from projects.models import Bulletin

    bulletin = Bulletin.objects.get(year=2013, month=10)
    html = client_of("demo_office").get(reverse("admin:projects_bulletin_change", args=[bulletin.pk])).content
    xingkai = next(row for row in table_rows(html, "bulletin-rows") if STARKAI in row)
    assert "60,000.00" in xingkai and "62,000.00" in xingkai


def test_wan_is_written_with_thousands_separators_everywhere(loaded):
    """Lists, read-only fields and history diffs write 万元 as the bulletin does: 62,000.00."""
    from projects.models import Bulletin, BulletinEntry, Project

    starkai = Project.objects.get(name=STARKAI)
    october = Bulletin.objects.get(year=2013, month=10)
    rows = table_rows(client_of("demo_office").get(
        reverse("tracker_dashboard_projects") + "?year=2013&month=10").content, "trk-dash-projects")
    xingkai = next(row for row in rows if STARKAI in row[0])
    assert "60,000.00" in xingkai and "62,000.00" in xingkai, xingkai
    entries = client_of("demo_office").get(reverse("admin:projects_bulletinentry_changelist")
                                           + f"?bulletin__id__exact={october.pk}").content.decode()
    assert "62,000.00" in page_text(entries) and "62000.00" not in page_text(entries)
    entry = BulletinEntry.objects.get(bulletin=october, project=starkai)
    text = page("demo_office", reverse("admin:projects_bulletinentry_change", args=[entry.pk]))
    assert "现行年度计划:\n60,000.00" in text and "累计完成:\n62,000.00" in text, text
    # A leader reads the project read-only; its history says what changed in the same figures.
    text = page("demo_leader1", reverse("admin:projects_project_change", args=[starkai.pk]))
    assert "总投资:\n200,000.00" in text
    history = page("demo_office", reverse("admin:projects_project_history", args=[starkai.pk]))
    assert "总投资: 200,000.00" in history and "200000.00" not in history


# --- Chinese pages say everything in Chinese -------------------------------------------------------

# Words a Chinese page may show: the language switch offers "English"; names of formats, products and
# protocols; the keys of a Mac keyboard in Django's own hint for multiple choice.
NAMES = {"English", "Excel", "PDF", "Webhook", "IP", "HTTP", "Accept", "GET", "POST", "SHA", "EXIF", "JPEG",
         "PNG", "WebP", "doc", "docx", "xls", "xlsx", "pdf", "pptx", "Control", "Command", "Mac", "ID", "GB", "LDAP", "API"}
# Cells that hold codes or account names, not words: they are what a clerk types to find a record.
CODE_CELLS = ("field-code", "field-username", "field-user", "field-user_link", "field-document", "field-user_agent",
              "field-path_info")


WORD = r"[A-Za-z][A-Za-z0-9_'’\-]*[A-Za-z0-9]"


def names_on_record():
    """Latin letters that are part of Chinese names on record (S104省道, PC机芯): names, not English."""
    import re

    from projects.models import Leader, Programme, Project, Unit, Zone

    names = set()
    for model in (Project, Unit, Zone, Programme, Leader):
        for name in model.objects.values_list("name", flat=True):
            names.update(re.findall(WORD, name))
    return names


def english_words(html, names=()):
    """The English words a reader meets on the page, apart from NAMES, `names`, codes, paths and
    account names."""
    import re

    if isinstance(html, bytes):
        html = html.decode()
    for css_class in CODE_CELLS:
        html = re.sub(rf'(<t[dh] class="{css_class}"[^>]*>).*?(</t[dh]>)', r"\1\2", html, flags=re.S)
    text = re.sub(r"\S*/\S*", " ", page_text(html))  # paths and addresses
    words = set(re.findall(WORD, text))
    return sorted(word for word in words if word not in NAMES and word not in names and not word.startswith("demo_"))


@pytest.fixture
def superuser_client(loaded):
    user = get_user_model().objects.create_superuser("chief", "chief@example.org", None, first_name="系统管理员")
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def test_the_admin_index_and_every_changelist_say_nothing_in_english(superuser_client):
    from axes.models import AccessAttempt, AccessLog
    from django.contrib import admin

    # A lockout on record, so that the login-throttling lists have rows to read.
    AccessAttempt.objects.create(username="demo_office", ip_address="10.0.0.8", user_agent="Mozilla/5.0",
                                 http_accept="text/html", path_info="/admin/login/", get_data="", post_data="",
                                 failures_since_start=5)
    AccessLog.objects.all().delete()  # the test client's own login, which has no path or browser
    AccessLog.objects.create(username="demo_office", ip_address="10.0.0.8", user_agent="Mozilla/5.0",
                             http_accept="text/html", path_info="/admin/login/")
    names = names_on_record()
    index = superuser_client.get(reverse("admin:index"))
    assert english_words(index.content) == []
    sidebar = page_text(index.content)
    assert "登录限制" in sidebar and "登录失败记录" in sidebar and "登录日志" in sidebar
    assert "Access attempts" not in sidebar and "Axes" not in sidebar
    found = {}
    for model in admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        response = superuser_client.get(url)
        assert response.status_code == 200, url
        if words := english_words(response.content, names):
            found[url] = words
    assert found == {}


def test_record_pages_say_nothing_in_english(superuser_client):
    from projects.models import Bulletin, BulletinEntry, Evaluation, EvaluationResult, Project, Review, Zone

    starkai = Project.objects.get(name=STARKAI)
    october = Bulletin.objects.get(year=2013, month=10)
    pages = [
        DASHBOARD, reverse("tracker_todo"),
        reverse("admin:projects_project_sheet", args=[starkai.pk]),
        reverse("admin:projects_bulletin_change", args=[october.pk]),
        reverse("admin:projects_bulletin_print", args=[october.pk]),
        reverse("admin:projects_review_change", args=[Review.objects.get(year=2013, quarter=3).pk]),
        reverse("admin:projects_evaluation_change", args=[Evaluation.objects.get(kind="year_end").pk]),
        reverse("admin:projects_project_change", args=[starkai.pk]),
        reverse("admin:projects_zone_change", args=[Zone.objects.get(code="commerce").pk]),
        reverse("admin:projects_annualplan_change", args=[starkai.annual_plans.get(year=2013).pk]),
        reverse("admin:projects_milestone_change", args=[starkai.milestones.first().pk]),
        reverse("admin:projects_bulletinentry_change", args=[BulletinEntry.objects.filter(project=starkai).first().pk]),
        reverse("admin:projects_evaluationresult_change",
                args=[EvaluationResult.objects.filter(project=starkai).first().pk]),
    ]
    names = names_on_record()
    found = {url: english_words(superuser_client.get(url).content, names) for url in pages}
    assert found == {url: [] for url in pages}


def test_the_admins_javascript_catalogue_has_the_two_list_pickers_words_in_chinese(superuser_client):
    """SelectFilter2 (leaders, units, programmes, permissions) writes its words from the admin's jsi18n
    catalogue, which Django's zh_Hans leaves partly English; ours (djangojs.po) completes it."""
    import json
    import re

    script = superuser_client.get(reverse("admin:jsi18n")).content.decode()
    catalog = json.loads(re.search(r"const newcatalog = (\{.*?\});", script, re.S).group(1))
    assert catalog['Choose %s by selecting them and then select the "Choose" arrow button.'] == \
        "选中要加入的%s，再点击向右的箭头按钮。"
    assert catalog["Choose all %s"] == "选择全部%s" and catalog["Remove all %s"] == "移除全部%s"
    assert catalog["Remove selected %s"] == "移除选中的%s" and catalog["Choose selected %s"] == "选择选中的%s"
    assert catalog["Filter"] == "过滤"  # Django's own entries stay


def test_permission_pickers_name_every_permission_in_chinese(superuser_client):
    import re

    from django.contrib.auth.models import Group

    group = Group.objects.create(name="项目办")
    for url in (reverse("admin:auth_group_add"), reverse("admin:auth_group_change", args=[group.pk]),
                reverse("admin:auth_user_change", args=[get_user_model().objects.get(username="chief").pk])):
        html = superuser_client.get(url).content.decode()
        options = re.findall(r'<option value="\d+"[^>]*>([^<]*)</option>', re.split(r'name="(?:user_)?permissions"', html)[1])
        assert options, url
        assert not [option for option in options if re.search(r"[A-Za-z]", option.replace("API", ""))], url
        assert "API 令牌组件 | 组件的令牌记录 | 可添加" in options


def test_english_pages_show_english_names_and_chinese_pages_do_not(superuser_client):
    from projects.models import Project

    zones = reverse("admin:projects_zone_changelist")
    chinese = page_text(superuser_client.get(zones).content)
    english = page_text(superuser_client.get(zones, HTTP_ACCEPT_LANGUAGE="en").content)
    assert "特色商业区" in chinese and "Featured Commercial District" not in chinese
    assert "| 特色商业区 | Featured Commercial District | commerce |" in english
    units = page_text(superuser_client.get(reverse("admin:projects_unit_changelist"), HTTP_ACCEPT_LANGUAGE="en").content)
    assert "解放区商务局 | Jiefang District Commerce Bureau |" in units
    sheet = reverse("admin:projects_project_sheet", args=[Project.objects.get(name=STARKAI).pk])
    assert "StarKai International City Complex" in page_text(
        superuser_client.get(sheet, HTTP_ACCEPT_LANGUAGE="en").content)
    assert "StarKai" not in page_text(superuser_client.get(sheet).content)
    # The login-throttling records under their English names.
    index = page_text(superuser_client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="en").content)
    assert "Login throttling" in index and "Access attempts" in index and "Access logs" in index


def test_english_pages_name_projects_in_english_and_chinese_pages_in_chinese(loaded):
    from projects.models import Bulletin, Project, Review

    starkai = Project.objects.get(name=STARKAI)
    english_name = starkai.name_en
    assert english_name == "StarKai International City Complex"
    october = Bulletin.objects.get(year=2013, month=10)
    review = Review.objects.get(year=2013, quarter=3)
    pages = {
        "dashboard": (f"{DASHBOARD}?year=2013&month=10", "trk-dash-best"),
        "dashboard-list": (reverse("tracker_dashboard_projects") + "?year=2013&month=10", "trk-dash-projects"),
        "bulletin": (reverse("admin:projects_bulletin_change", args=[october.pk]), "bulletin-rows"),
        "review": (reverse("admin:projects_review_change", args=[review.pk]), "trk-ranking-commerce"),
        "problems": (reverse("admin:projects_problem_changelist") + f"?q={STARKAI}", "result_list"),
        "projects": (reverse("admin:projects_project_changelist") + "?q=星凯", "result_list"),
    }
    for name, (url, element) in pages.items():
        english = page("demo_office", url, element, language="en")
        chinese = page("demo_office", url, element)
        assert english_name in english, (name, english)
        assert STARKAI in chinese and english_name not in chinese, (name, chinese)
        if name != "projects":  # the project list shows both names side by side on English pages
            assert STARKAI not in english, (name, english)


# --- programmes: documents against data, for the month the page was opened from -----------------------

def test_the_programme_comparison_follows_the_bulletins_month_and_names_the_missing_projects(loaded):
    import re

    from projects.models import Bulletin, Programme

    ten = Programme.objects.get(code="ten-constructions-2013")
    for month in (10, 12):
        bulletin = Bulletin.objects.get(year=2013, month=month)
        html = client_of("demo_office").get(reverse("admin:projects_bulletin_change", args=[bulletin.pk])).content
        links = re.findall(r'href="([^"]*programme-compare/%d/[^"]*)"' % ten.pk, html.decode())
        assert links == [f"{reverse('admin:projects_programme_compare', args=[ten.pk])}?year=2013&amp;month={month}"]
        url = links[0].replace("&amp;", "&")
        assert page("demo_office", url, "programme-compare-month").startswith(f"根据截至 2013-{month} 末的数据计算。")
        missing = page("demo_office", url, "programme-missing").splitlines()
        assert missing[0] == f"2013-{month} 数据中缺少的计划内项目"
        assert missing[2:] == [f"{name}（无2013年度投资计划）" for name in
                               ("南太行生态景观带绿化", "影视湖", "林业生态网建设", "灵泉湖", "郑焦城际铁路")]
    # The 342311 programme: its two projects in the library report; the documents count 89.
    programme = Programme.objects.get(code="342311-2013")
    url = f"{reverse('admin:projects_programme_compare', args=[programme.pk])}?year=2013&month=10"
    assert page("demo_office", url, "programme-missing").splitlines()[1:] == [
        "无：项目库中该计划的项目均有年度投资计划和月汇报。", "文件所列 89 个项目中，有 87 个不在项目库中，数据无法计入。"]
    rows = table_rows(client_of("demo_office").get(url).content, "programme-compare")
    assert rows[2] == ["总投资（万元）", "2,540,000.00", "300,000.00", "-2,240,000.00", "是"]
    # Opened without a month (from the programme's page): the month the documents report.
    plain = reverse("admin:projects_programme_compare", args=[programme.pk])
    assert page("demo_office", plain, "programme-compare-month").startswith("根据截至 2013-12 末的数据计算。")
    assert page("demo_office", plain + "?year=2013&month=13", "programme-compare-month").startswith(
        "根据截至 2013-12 末的数据计算。")


# --- history: what the fixtures loaded, and a project's plans, milestones, leaders and units -------------

def test_loaded_records_show_their_creation_from_the_fixture(loaded):
    from projects.models import AnnualPlan, Meeting, MonthlyReport, Project, Zone

    starkai = Project.objects.get(name=STARKAI)
    zone = Zone.objects.get(code="commerce")
    for model, obj, reason in ((Project, starkai, "从 facts.json 载入"), (Zone, zone, "从 facts.json 载入"),
                               (Meeting, Meeting.objects.order_by("pk").first(), "从 demo_2013.json 载入")):
        rows = table_rows(client_of("demo_office").get(reverse(
            f"admin:projects_{model._meta.model_name}_history", args=[obj.pk])).content, "change-history")
        created = [row for row in rows[1:] if row[-3] == "新建" and (row[1] if len(row) == 6 else "") in ("", str(obj))]
        assert created and reason in created[-1], (model, rows)
    # The demo's reports come with their own history (entered, submitted, accepted): nothing is added.
    report = MonthlyReport.objects.get(project=starkai, year=2013, month=9)
    reasons = set(report.history.values_list("history_change_reason", flat=True))
    assert not any(reason and "载入" in reason for reason in reasons)
    assert report.history.filter(history_type="+").count() == 1
    # Loading the library again adds no version to what did not change.
    versions = AnnualPlan.history.count(), Project.history.count()
    call_command("load_library", verbosity=0)
    assert (AnnualPlan.history.count(), Project.history.count()) == versions


def test_a_projects_history_shows_its_plans_milestones_leaders_and_units(loaded):
    from projects.models import Leader, Project, Unit

    starkai = Project.objects.get(name=STARKAI)
    url = reverse("admin:projects_project_history", args=[starkai.pk])
    rows = table_rows(client_of("demo_office").get(url).content, "change-history")
    assert rows[0][:3] == ["日期/时间", "变更的记录", "用户"]
    records = {row[1] for row in rows[1:]}
    assert {STARKAI, "年度投资计划 2013"} <= records
    assert any(record.startswith("时间节点：") for record in records)
    leader = starkai.leaders.get()
    assigned = next(row for row in rows[1:] if row[1] == STARKAI and "从 facts.json、demo.json、demo_2013.json 载入" in row)
    assert f"分包领导: — → {leader.name}" in assigned[-1]
    # The office adds a leader and drops the cooperating unit, saying why; and revises the plan.
    client = client_of("demo_office")
    change = reverse("admin:projects_project_change", args=[starkai.pk])
    from .admin_utils import admin_form_data

    second = Leader.objects.exclude(pk=leader.pk).order_by("pk").first()
    form = admin_form_data(client.get(change), change_reason="领导小组调整")
    form["leaders"] = [str(leader.pk), str(second.pk)]
    form["cooperating_units"] = []
    response = client.post(change, form)
    assert response.status_code == 302, response.context["adminform"].form.errors
    units_before = Unit.objects.filter(cooperating_projects=starkai)
    assert not units_before.exists()
    rows = table_rows(client.get(url).content, "change-history")
    newest = rows[1]
    assert newest[1] == STARKAI and newest[4] == "领导小组调整"
    changes = "\n".join(row[-1] for row in rows[1:3] if row[4] == "领导小组调整")
    assert f"分包领导: {leader.name} → " in changes and second.name in changes
    assert "配合单位:" in changes and "→ —" in changes


# --- evaluations: columns headed by what they weigh --------------------------------------------------

def test_the_evaluation_heads_each_column_by_what_it_weighs(loaded):
    from projects.models import Evaluation

    evaluation = Evaluation.objects.get(year=2013, kind="year_end")
    url = reverse("admin:projects_evaluation_change", args=[evaluation.pk])
    rows = table_rows(client_of("demo_office").get(url).content, "evaluation-projects")
    weights = [evaluation.weight_completion, evaluation.weight_milestones, evaluation.weight_problems,
               evaluation.weight_reviews]
    assert [str(weight) for weight in weights] == ["60.00", "15.00", "10.00", "15.00"]
    assert rows[0] == ["排名", "项目", "年度计划完成率（权重 60）", "时间节点按期完成（权重 15）", "问题按期办结（权重 10）",
                       "观摩评分（权重 15）", "合计"]
    assert "竣工" not in rows[0]
    # Each column holds the points scored for it: at most its weight.
    for row in rows[1:]:
        for points, weight in zip(row[2:6], weights):
            assert 0 <= float(points) <= weight, row
    # No project of the demo has a lead unit: no empty table of responsible units.
    html = client_of("demo_office").get(url).content.decode()
    assert "<h3>责任单位</h3>" not in html and 'id="evaluation-units"' not in html
    english = table_rows(client_of("demo_office", "en").get(url).content, "evaluation-projects")
    assert english[0][2] == "Annual completion rate (weight 60)"
