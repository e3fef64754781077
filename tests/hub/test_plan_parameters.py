"""The plan page shows its parameters as a labelled table in the user's language."""

import re

import pytest
from django.urls import reverse

from plans.pipeline.params import PlanParams

from ..api.conftest import make_user
from ..factories import RunFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan_page(client, config_version):
    params = PlanParams(round_mode="int", lt_unit="week", apply_adjusted=True).to_dict()
    params["from_an_old_version"] = "<b>kept</b>"
    run = RunFactory(plan_version__config_version_id=1, plan_version__parameters=params)
    client.force_login(make_user("planner"))
    url = f"/ui/plans/{run.plan_version.version_id}"

    def get(language="en") -> str:
        client.post(reverse("set_language"), {"language": language, "next": "/"})
        return client.get(url).content.decode()

    return get


def table(page: str) -> dict[str, str]:
    body = re.search(r'<table id="plan-parameters">(.*?)</table>', page, flags=re.S).group(1)
    return dict(re.findall(r'<th scope="row">(.*?)</th><td>(.*?)</td>', body))


def test_parameters_are_a_labelled_table_not_a_dict(plan_page):
    page = plan_page()
    assert "{&#x27;round_mode&#x27;" not in page and "{'round_mode'" not in page
    rows = table(page)
    assert rows["Round mode"] == "Integer"
    assert rows["Lead time unit"] == "Weeks"
    assert rows["Re-run MRP on the adjusted plan"] == "Yes"
    assert rows["Cutover date"] == "—"
    assert rows["Absolute tolerance"] == "1e-06"
    # a key this version does not know keeps its own name, and its value is escaped
    assert rows["from_an_old_version"] == "&lt;b&gt;kept&lt;/b&gt;"
    assert list(rows)[0] == "Round mode"  # the pipeline's order


def test_parameters_are_in_japanese(plan_page):
    rows = table(plan_page("ja"))
    assert rows["丸めモード"] == "整数"
    assert rows["リードタイム単位"] == "週"
    assert rows["絶対許容差"] == "1e-06"
    assert "Round mode" not in rows
