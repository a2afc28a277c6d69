"""Reminders: `manage.py send_reminders` by e-mail (Django's locmem backend in tests) and to group
robots (a local HTTP receiver standing in for 企业微信 and 钉钉), each reminder once.

The world, on 2013-11-03 (October's reports due 2013-11-05, two days away; reminders from 3 days before):
- unit 解放区发改委: e-mail fgw@example.org, WeCom robot (phone 13800000001); leads A (星凯国际,
  no October report) and E (爱乐游, an October draft); responsible for P1 (due 2013-11-05);
- other unit 王褚街道办事处: e-mail wangchu@example.org, a DingTalk robot that refuses the message
  (errcode 310000); leads B (October submitted: nothing due); responsible for P2 (deadline
  2013-10-31, escalated, on A whose leader is 区长, leader@example.org);
- unit 文化旅游局: no contact at all; leads F (no report);
- review 三季度观摩 (draft, visited 2013-11-01), reviewer 区长, nothing scored: 2 projects left.
"""

import datetime
import json
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse

from projects.choices import Category, ReminderStatus
from projects.models import AnnualPlan, Leader, MonthlyReport, Problem, Project, Reminder, Unit
from projects.services.reminders import reminders_send
from projects.services.reviews import review_create

D = Decimal
TODAY = datetime.date(2013, 11, 3)


class Receiver(BaseHTTPRequestHandler):
    """Answers as the robots do: /wecom and /ding-ok {"errcode": 0}; /ding-refuses errcode 310000."""

    received = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        Receiver.received.append((self.path, self.headers["Content-Type"], body))
        answer = ({"errcode": 310000, "errmsg": "keywords not in content"} if self.path.startswith("/ding-refuses")
                  else {"errcode": 0, "errmsg": "ok"})
        data = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    Receiver.received = []
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", Receiver.received
    server.shutdown()
    server.server_close()


@pytest.fixture
def world(db, receiver, unit, other_unit, project, plan, office, leader_user):
    base, _received = receiver
    unit.email, unit.phone, unit.webhook_kind, unit.webhook_url = ("fgw@example.org", "13800000001", "wecom",
                                                                  f"{base}/wecom?key=secret-key")
    unit.save()
    other_unit.email, other_unit.webhook_kind, other_unit.webhook_url = ("wangchu@example.org", "dingtalk",
                                                                         f"{base}/ding-refuses?access_token=t")
    other_unit.save()
    silent = Unit.objects.create(name="文化旅游局")
    leader = Leader.objects.get(user=leader_user)
    leader.email = "leader@example.org"
    leader.save()
    a = project
    a.leaders.add(leader)
    e = Project.objects.create(name="爱乐游智能物联网机器人", category=Category.INDUSTRY, lead_unit=unit)
    b = Project.objects.create(name="锦江国际商业广场", category=Category.COMMERCE, lead_unit=other_unit)
    f = Project.objects.create(name="月季文化园", category=Category.CULTURE_TOURISM, lead_unit=silent)
    for p in (e, b, f):
        AnnualPlan.objects.create(project=p, year=2013, planned_investment=D("1000"))
    draft = MonthlyReport.objects.create(project=e, year=2013, month=10, completed_ytd=D("100"))
    MonthlyReport.objects.create(project=b, year=2013, month=10, completed_ytd=D("100"), status="submitted")
    p1 = Problem.objects.create(project=e, category="utilities", title="供电线路", responsible_unit=unit,
                                raised_on=datetime.date(2013, 10, 1), deadline=datetime.date(2013, 11, 5))
    p2 = Problem.objects.create(project=a, category="land_clearance", title="征地拆迁未完成",
                                responsible_unit=other_unit, raised_on=datetime.date(2013, 10, 1),
                                deadline=datetime.date(2013, 10, 31), status="escalated")
    review = review_create(user=office, year=2013, quarter=3, date=datetime.date(2013, 11, 1), title="三季度观摩",
                           projects=[a, b], reviewers=[leader])
    return dict(a=a, b=b, e=e, f=f, draft=draft, p1=p1, p2=p2, review=review, leader=leader, unit=unit,
                other_unit=other_unit, silent=silent, received=receiver[1])


def rows(**filters):
    return sorted((r.kind, r.unit.name if r.unit else r.leader.name, r.channel, r.status)
                  for r in Reminder.objects.filter(**filters).select_related("unit", "leader"))


def test_the_first_run_sends_each_recipient_one_message_per_channel(world):
    reminders_send(today=TODAY)
    # E-mail: the unit (A and E due, P1 near), the other unit (P2 overdue), the leader (P2
    # escalated and overdue; the review).
    by_address = {m.to[0]: m for m in mail.outbox}
    assert sorted(by_address) == ["fgw@example.org", "leader@example.org", "wangchu@example.org"]
    fgw = by_address["fgw@example.org"].body.splitlines()
    assert fgw == [
        "解放区发改委 重点项目提醒（2013-11-03）：3 项",
        "1. 【月报提醒】星凯国际城市综合体：2013-10 月报请于 2013-11-05 前报送。",
        "2. 【月报提醒】爱乐游智能物联网机器人：2013-10 月报请于 2013-11-05 前报送。",
        "3. 【问题督办】爱乐游智能物联网机器人：“供电线路”将于 2013-11-05 到期。",
    ]
    assert by_address["fgw@example.org"].subject == fgw[0]
    assert by_address["leader@example.org"].body.splitlines()[1:] == [
        "1. 【问题逾期】星凯国际城市综合体：“征地拆迁未完成”已超过期限 2013-10-31。",
        "2. 【观摩评分】三季度观摩：还有 2 个项目待评分。",
    ]
    # The robots: WeCom's text message mentioning the unit's phone; DingTalk's, which refuses it.
    (wecom_path, content_type, wecom), (ding_path, _ct, ding) = sorted(world["received"], key=lambda r: r[0],
                                                                       reverse=True)
    assert (wecom_path, content_type) == ("/wecom?key=secret-key", "application/json; charset=utf-8")
    assert wecom == {"msgtype": "text", "text": {"content": "\n".join(fgw), "mentioned_mobile_list": ["13800000001"]}}
    assert ding_path == "/ding-refuses?access_token=t"
    assert ding == {"msgtype": "text", "at": {"atMobiles": [], "isAtAll": False}, "text": {"content": (
        "王褚街道办事处 重点项目提醒（2013-11-03）：1 项\n"
        "1. 【问题逾期】星凯国际城市综合体：“征地拆迁未完成”已超过期限 2013-10-31。")}}
    # Every reminder is recorded; the refused robot's failure did not stop the rest.
    assert rows() == sorted([
        ("report_due", "解放区发改委", "email", "sent"), ("report_due", "解放区发改委", "email", "sent"),
        ("report_due", "解放区发改委", "wecom", "sent"), ("report_due", "解放区发改委", "wecom", "sent"),
        ("problem_due", "解放区发改委", "email", "sent"), ("problem_due", "解放区发改委", "wecom", "sent"),
        ("problem_overdue", "王褚街道办事处", "email", "sent"), ("problem_overdue", "王褚街道办事处", "dingtalk", "failed"),
        ("problem_overdue", "区长", "email", "sent"), ("review_unscored", "区长", "email", "sent"),
        ("report_due", "文化旅游局", "none", "no_contact"),
    ])
    failed = Reminder.objects.get(status=ReminderStatus.FAILED)
    assert failed.error == "errcode 310000: keywords not in content"
    assert failed.address == f"127.0.0.1:{failed.address.split(':')[1]}"  # the host, never the key
    assert Reminder.objects.get(channel="email", project=world["e"], kind="report_due").report == world["draft"]


def test_a_second_run_sends_nothing_again_but_retries_the_failure(world):
    reminders_send(today=TODAY)
    mails, posts, count = len(mail.outbox), len(world["received"]), Reminder.objects.count()
    outcomes = reminders_send(today=TODAY)
    assert len(mail.outbox) == mails
    assert [(o.delivery.channel, o.status) for o in outcomes] == [("dingtalk", "failed")]
    assert [path for path, _ct, _body in world["received"][posts:]] == ["/ding-refuses?access_token=t"]
    assert Reminder.objects.count() == count
    assert Reminder.objects.get(status=ReminderStatus.FAILED).attempts == 2
    # Fixed robot: the retry goes through, once.
    world["other_unit"].webhook_url = world["other_unit"].webhook_url.replace("ding-refuses", "ding-ok")
    world["other_unit"].save()
    reminders_send(today=TODAY)
    assert rows(channel="dingtalk") == [("problem_overdue", "王褚街道办事处", "dingtalk", "sent")]
    assert reminders_send(today=TODAY) == []


def test_after_the_due_day_the_late_reports_are_chased_once(world):
    reminders_send(today=TODAY)
    mail.outbox.clear()
    reminders_send(today=datetime.date(2013, 11, 6))
    fgw = next(m for m in mail.outbox if m.to == ["fgw@example.org"]).body.splitlines()
    # P1's deadline passed too: a new kind of reminder for it.
    assert fgw[1:] == [
        "1. 【月报催报】星凯国际城市综合体：2013-10 月报已过截止日 2013-11-05，尚未报送。",
        "2. 【月报催报】爱乐游智能物联网机器人：2013-10 月报已过截止日 2013-11-05，尚未报送。",
        "3. 【问题逾期】爱乐游智能物联网机器人：“供电线路”已超过期限 2013-11-05。",
    ]
    mail.outbox.clear()
    reminders_send(today=datetime.date(2013, 11, 7))
    assert [m.to for m in mail.outbox] == []


def test_nothing_is_due_before_the_reminder_window(world):
    outcomes = reminders_send(today=datetime.date(2013, 11, 1))
    kinds = {due.kind for o in outcomes for due in o.delivery.items}
    assert "report_due" not in kinds  # 4 days before the due day; reminders start 3 days before


def test_the_command_dry_run_prints_and_records_nothing(world, capsys):
    call_command("send_reminders", "--dry-run", "--date", "2013-11-03")
    out = capsys.readouterr().out
    assert "[would_send] wecom → 解放区发改委 <127.0.0.1:" in out
    assert "1. 【月报提醒】星凯国际城市综合体：2013-10 月报请于 2013-11-05 前报送。" in out
    assert "secret-key" not in out
    assert "Dry run: 6 message(s); would_send 11." in out
    assert (Reminder.objects.count(), len(mail.outbox), world["received"]) == (0, 0, [])


def test_the_command_fails_when_a_reminder_failed_after_sending_the_rest(world, capsys):
    with pytest.raises(CommandError, match="retried on the next run"):
        call_command("send_reminders", "--date", "2013-11-03")
    out = capsys.readouterr().out
    assert "[failed] dingtalk → 王褚街道办事处 <127.0.0.1:" in out
    assert "6 message(s); sent 9, failed 1, no_contact 1." in out
    assert len(mail.outbox) == 3


def test_a_bad_date_is_refused():
    with pytest.raises(CommandError, match="--date must be YYYY-MM-DD"):
        call_command("send_reminders", "--date", "2013-13-01")


def test_an_unreachable_robot_is_a_recorded_failure(world):
    world["unit"].webhook_url = "http://127.0.0.1:9/wecom"  # discard port: connection refused
    world["unit"].save()
    reminders_send(today=TODAY)
    assert {r.status for r in Reminder.objects.filter(channel="wecom")} == {"failed"}
    assert Reminder.objects.filter(channel="wecom").first().error
    assert len(mail.outbox) == 3


def test_a_webhook_url_needs_its_robot(world):
    from django.core.exceptions import ValidationError

    world["silent"].webhook_url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x"
    with pytest.raises(ValidationError, match="哪种群机器人"):
        world["silent"].full_clean()


# Visible on the record --------------------------------------------------------------------------


def test_reminders_show_on_the_project_problem_review_and_report_pages(world, client, office):
    reminders_send(today=TODAY)
    client.force_login(office)
    project_page = client.get(reverse("admin:projects_project_change", args=[world["e"].pk])).content.decode()
    assert "已发送的提醒" in project_page and "月报即将到期" in project_page and "fgw@example.org" in project_page
    problem_page = client.get(reverse("admin:projects_problem_change", args=[world["p2"].pk])).content.decode()
    assert "问题已逾期" in problem_page and "发送失败" in problem_page
    assert "errcode 310000" in problem_page
    review_page = client.get(reverse("admin:projects_review_change", args=[world["review"].pk])).content.decode()
    assert "观摩未评分" in review_page and "leader@example.org" in review_page
    report_page = client.get(reverse("admin:projects_monthlyreport_change",
                                     args=[world["draft"].pk])).content.decode()
    assert "月报即将到期 → 解放区发改委 (电子邮件): 已发送" in report_page
    listing = client.get(reverse("admin:projects_reminder_changelist")).content.decode()
    assert listing.count('class="field-kind"') == 11


def test_a_reporter_sees_its_units_reminders_only_and_never_a_robot_key(world, client, reporter):
    reminders_send(today=TODAY)
    client.force_login(reporter)
    listing = client.get(reverse("admin:projects_reminder_changelist")).content.decode()
    # Its unit's 6 reminders, and the other unit's and the leader's about P2 on A (its project).
    assert listing.count('class="field-kind"') == 6 + 3
    unit_page = client.get(reverse("admin:projects_unit_change", args=[world["unit"].pk])).content.decode()
    assert "fgw@example.org" in unit_page and "secret-key" not in unit_page


def test_the_office_sets_a_units_robot(world, client, office):
    client.force_login(office)
    unit_page = client.get(reverse("admin:projects_unit_change", args=[world["unit"].pk])).content.decode()
    assert "secret-key" in unit_page


def test_the_reminder_list_runs_a_fixed_number_of_queries(world, client, office, django_assert_max_num_queries):
    reminders_send(today=TODAY)
    reminders_send(today=datetime.date(2013, 11, 6))
    client.force_login(office)
    # 11 on the 3rd; on the 6th A and E overdue and P1 overdue (e-mail and WeCom: 6), F overdue (no contact).
    assert Reminder.objects.count() == 18
    with django_assert_max_num_queries(11):  # session, user, role, counts, filters, the page: not per row
        response = client.get(reverse("admin:projects_reminder_changelist"))
    assert response.content.decode().count('class="field-kind"') == 18


# Projects without a lead unit ---------------------------------------------------------------------


def test_a_project_without_a_lead_unit_reminds_each_cooperating_unit_once(world):
    # The documents name no lead unit for most projects: the cooperating units write the report.
    g = Project.objects.create(name="牧野路拓宽改造工程", category=Category.INFRASTRUCTURE)
    g.cooperating_units.add(world["other_unit"], world["silent"])
    AnnualPlan.objects.create(project=g, year=2013, planned_investment=D("5000"))
    reminders_send(today=TODAY)
    wangchu = next(m for m in mail.outbox if m.to == ["wangchu@example.org"]).body.splitlines()
    assert wangchu == [
        "王褚街道办事处 重点项目提醒（2013-11-03）：2 项",
        "1. 【月报提醒】牧野路拓宽改造工程：2013-10 月报请于 2013-11-05 前报送。",
        "2. 【问题逾期】星凯国际城市综合体：“征地拆迁未完成”已超过期限 2013-10-31。",
    ]
    assert rows(project=g, kind="report_due") == [
        ("report_due", "文化旅游局", "none", "no_contact"),
        ("report_due", "王褚街道办事处", "dingtalk", "failed"),
        ("report_due", "王褚街道办事处", "email", "sent"),
    ]
    assert "牧野路" not in next(m for m in mail.outbox if m.to == ["fgw@example.org"]).body
    # Never twice: the next run only retries the refused robot; after the due day, chased once each.
    mail.outbox.clear()
    reminders_send(today=TODAY)
    assert mail.outbox == [] and Reminder.objects.filter(project=g).count() == 3
    reminders_send(today=datetime.date(2013, 11, 6))
    assert rows(project=g, kind="report_overdue") == [
        ("report_overdue", "文化旅游局", "none", "no_contact"),
        ("report_overdue", "王褚街道办事处", "dingtalk", "failed"),
        ("report_overdue", "王褚街道办事处", "email", "sent"),
    ]
    reminders_send(today=datetime.date(2013, 11, 7))
    assert Reminder.objects.filter(project=g, channel__in=["email", "none"]).count() == 4


def test_a_project_with_a_lead_unit_reminds_the_lead_unit_only(world):
    world["e"].cooperating_units.add(world["other_unit"])
    reminders_send(today=TODAY)
    assert {r.unit.name for r in Reminder.objects.filter(project=world["e"], kind="report_due")} == {"解放区发改委"}


def test_what_is_due_takes_a_fixed_number_of_queries(world, django_assert_num_queries):
    from projects.services.reminders import reminders_due

    for n in range(10):
        p = Project.objects.create(name=f"项目{n}")
        p.cooperating_units.add(world["other_unit"], world["silent"])
        AnnualPlan.objects.create(project=p, year=2013, planned_investment=D("100"))
    # Reports: the projects, their cooperating units, the drafts; problems; reviews, their reviewers,
    # the scores.
    with django_assert_num_queries(8):
        due = reminders_due(today=TODAY)
    assert sum(d.kind == "report_due" for d in due) == 3 + 2 * 10


# The shipped library ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def library(django_db_setup, django_db_blocker):
    from django.db import transaction

    with django_db_blocker.unblock():
        with transaction.atomic():
            call_command("load_library", verbosity=0)
            yield
            transaction.set_rollback(True)


def test_the_shipped_library_chases_a_missing_report_at_its_cooperating_unit(library, db):
    # No project of the library has a lead unit; 焦运 never files February (fixtures/README.md).
    assert not Project.objects.filter(lead_unit__isnull=False).exists()
    reminders_send(today=datetime.date(2013, 3, 6))
    reports = Reminder.objects.filter(kind__in=["report_due", "report_overdue"]).select_related("project", "unit")
    assert [(r.kind, r.project.name, r.unit.name, r.channel, r.status) for r in reports] == [
        ("report_overdue", "焦运集团商业中心", "解放区商务局", "none", "no_contact")]
    assert reports[0].message.splitlines()[1:] == [
        "1. 【月报催报】焦运集团商业中心：2013-02 月报已过截止日 2013-03-05，尚未报送。"]
    assert reminders_send(today=datetime.date(2013, 3, 6)) == []
