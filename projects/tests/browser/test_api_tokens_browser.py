"""API tokens in a real browser: office staff issue a token for an account (shown once), the API
answers it, and they revoke it from the list."""

import json
import re
import urllib.request

import pytest

from projects.tests.browser.helpers import login, screenshot

pytestmark = pytest.mark.browser


def api_status(base_url, token):
    request = urllib.request.Request(f"{base_url}/api/me/", headers={"Authorization": f"Token {token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_office_issues_and_revokes_a_token(page, live_server, office, auditor):
    login(page, "office")
    page.goto("/admin/projects/apitoken/add/")
    assert "只在下一页显示一次" in page.locator("#issue-note").inner_text()
    page.select_option("#id_user", label="auditor")
    page.fill("#id_days", "7")
    screenshot(page, "api-token-issue")
    with page.expect_navigation():
        page.click("input[name=_save]")
    token = page.locator("#issued-token").inner_text().strip()
    assert len(token) == 64
    assert "请现在复制" in page.locator("#content").inner_text()
    screenshot(page, "api-token-issued")
    status, body = api_status(live_server.url, token)
    assert (status, body["username"], body["role"]) == (200, "auditor", "auditor")

    page.goto("/admin/projects/apitoken/")
    row = page.locator("#result_list tbody tr")
    assert row.count() == 1 and "有效" in row.inner_text() and token[:8] in row.inner_text()
    assert token not in page.content()
    headers = page.locator("#result_list thead").inner_text()
    assert all(word in headers for word in ("账号", "令牌开头", "签发时间", "到期时间", "状态")), headers
    assert not re.search(r"[A-Za-z]{3,}", headers.replace("API", "")), headers
    screenshot(page, "api-token-list")
    row.locator("input[name=_selected_action]").check()
    page.select_option("select[name=action]", "revoke_selected")
    with page.expect_navigation():
        page.click("button[name=index]")
    assert "已作废 1 个令牌" in page.locator(".messagelist").inner_text()
    status, body = api_status(live_server.url, token)
    assert (status, body["code"]) == (401, "authentication_failed")
