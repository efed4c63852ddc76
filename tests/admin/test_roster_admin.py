"""Issue 18 in admin: the outlet list filters by kind, region, evidence and status, edits
kind and region in place, marks a guessed feed; its form warns until staff check it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from articles.models import Outlet, Region

CHANGELIST = "admin:articles_outlet_changelist"


@pytest.fixture
def roster(make_outlet) -> dict[str, Outlet]:
    tanger = Region.objects.get(slug="tanger-tetouan-al-hoceima")
    return {
        "guess": make_outlet(name="زاكورة تخمين", evidence="guess", status="paused",
                             paused_reason="رابط التغذية تخمين لم يُتحقَّق منه."),
        "verified": make_outlet(name="هسبورت متحقق", kind="sports", evidence="verified"),
        "regional": make_outlet(name="طنجة الجهوية", kind="regional", region=tanger,
                                evidence="cited"),
    }  # fmt: skip


def listed(admin_client, **params: str) -> set[str]:
    response = admin_client.get(reverse(CHANGELIST), params)
    assert response.status_code == 200
    page = response.content.decode()
    return {name for name in ("زاكورة تخمين", "هسبورت متحقق", "طنجة الجهوية") if name in page}


@pytest.mark.django_db
def test_the_outlet_list_filters_by_kind_region_evidence_and_status(admin_client, roster) -> None:
    tanger = roster["regional"].region

    assert listed(admin_client, kind="sports") == {"هسبورت متحقق"}
    assert listed(admin_client, region__id__exact=str(tanger.pk)) == {"طنجة الجهوية"}
    assert listed(admin_client, evidence="guess") == {"زاكورة تخمين"}
    assert listed(admin_client, status="active") == {"هسبورت متحقق", "طنجة الجهوية"}


@pytest.mark.django_db
def test_a_guessed_feed_is_marked_in_the_list(admin_client, roster) -> None:
    page = admin_client.get(reverse(CHANGELIST)).content.decode()

    assert page.count('class="evidence-guess"') == 1
    assert "⚠ تخمين غير مُتحقَّق منه" in page


@pytest.mark.django_db
def test_kind_and_region_are_edited_in_the_list(admin_client, roster) -> None:
    page = admin_client.get(reverse(CHANGELIST), {"o": "1"}).content.decode()
    outlets = sorted(roster.values(), key=lambda outlet: outlet.name)
    oriental = Region.objects.get(slug="oriental")
    form = {"form-TOTAL_FORMS": "3", "form-INITIAL_FORMS": "3", "_save": "1"}
    for n, outlet in enumerate(outlets):
        form |= {f"form-{n}-id": str(outlet.pk), f"form-{n}-kind": outlet.kind,
                 f"form-{n}-region": str(outlet.region_id or "")}  # fmt: skip
    guess = outlets.index(roster["guess"])
    form |= {f"form-{guess}-kind": "regional", f"form-{guess}-region": str(oriental.pk)}

    response = admin_client.post(reverse(CHANGELIST) + "?o=1", form)

    assert 'name="form-0-kind"' in page and 'name="form-0-region"' in page
    assert response.status_code == 302, response.content.decode()[:2000]
    roster["guess"].refresh_from_db()
    assert (roster["guess"].kind, roster["guess"].region) == ("regional", oriental)


@pytest.mark.django_db
def test_the_change_form_warns_of_a_guessed_feed_only(admin_client, roster) -> None:
    def form(outlet: Outlet) -> str:
        url = reverse("admin:articles_outlet_change", args=[outlet.pk])
        return admin_client.get(url).content.decode()

    guessed, verified = form(roster["guess"]), form(roster["verified"])

    assert 'class="roster-warning"' in guessed
    assert "رابط تغذية غير مُتحقَّق منه." in guessed
    assert "رابط التغذية تخمين لم يُتحقَّق منه." in guessed  # its paused_reason, editable
    assert 'class="roster-warning"' not in verified
    for field in ("kind", "region", "evidence", "paused_reason"):
        assert f'name="{field}"' in verified


@pytest.mark.django_db
def test_activating_an_outlet_drops_its_paused_reason(admin_client, roster) -> None:
    admin_client.post(
        reverse(CHANGELIST),
        {"action": "activate", "_selected_action": [str(roster["guess"].pk)]},
    )

    roster["guess"].refresh_from_db()
    assert (roster["guess"].status, roster["guess"].paused_reason) == ("active", "")
    assert roster["guess"].evidence == "guess"  # still marked until staff say otherwise
