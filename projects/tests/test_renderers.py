"""FastJSONRenderer (projects/api/renderers.py) writes DRF's JSONRenderer output byte for byte."""

import dataclasses
import datetime
import decimal
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.renderers import JSONRenderer

from projects.api.renderers import FastJSONRenderer
from projects.tests.api_utils import api, fast_passwords, users, world  # noqa: F401


@dataclasses.dataclass
class Point:
    x: int


@pytest.mark.parametrize("value", [
    timezone.now(), datetime.datetime(2013, 10, 31, 8, 30, 15, 123456), datetime.date(2013, 10, 31),
    datetime.time(8, 30, 15, 4567), datetime.timedelta(seconds=90), decimal.Decimal("1.50"), uuid.uuid4(),
    _("name"), "跟踪 \u2028 \u2029 \"quoted\" \\", "“引号”—…", "\u2028“\u2029”", 2**70, -5, 0.1, 1e16, True, None, (1, 2), {3}, b"bytes",
    [{"nested": {"x": [1, "二"]}}], {1: "int key", None: "null key"},
])
def test_same_bytes_as_drf(value):
    data = {"value": value}
    assert FastJSONRenderer().render(data, "application/json", {}) == JSONRenderer().render(data, "application/json", {})


def test_indented_and_unknown_values_fall_back_to_drf():
    data = {"a": [1, 2], "b": "中文"}
    assert (FastJSONRenderer().render(data, "application/json; indent=4", {})
            == JSONRenderer().render(data, "application/json; indent=4", {}))
    assert FastJSONRenderer().render(None) == b""
    with pytest.raises(TypeError):
        FastJSONRenderer().render({"p": Point(1)})


def test_project_list_json_and_browsable_api(api, world):
    api.force_authenticate(world.users["auditor"])
    response = api.get(reverse("api:project-list"), HTTP_ACCEPT="application/json")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert response.content == JSONRenderer().render(response.data, "application/json", {})
    html = api.get(reverse("api:project-list"), HTTP_ACCEPT="text/html")
    assert html.status_code == 200 and html["Content-Type"].startswith("text/html")
    assert world.project.name in html.content.decode()
