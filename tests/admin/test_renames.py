"""Outlets and sections have one name in code (they were Source and Category): the
database, staff's permissions, their bookmarks and the command line carry over."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from articles.models import Article, Outlet, Section

BEFORE = [("articles", "0008_fetch_log_dropped")]
AFTER = [("articles", "0009_outlet_section_names")]


def migrate(targets: list[tuple[str, str]]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


@pytest.fixture
def _back_to_the_latest_schema() -> Iterator[None]:
    """These tests go back to 0008 and up to 0009: the tests after them need every
    later migration too."""
    yield
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        migrate(executor.loader.graph.leaf_nodes())


def test_the_tables_and_columns_keep_their_first_names() -> None:
    assert Outlet._meta.db_table == "articles_source"
    assert Section._meta.db_table == "articles_category"
    assert Article._meta.get_field("outlet").column == "source_id"
    assert Article._meta.get_field("section").column == "category_id"


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_back_to_the_latest_schema")
def test_a_group_that_could_change_sources_can_change_outlets() -> None:
    migrate(BEFORE)
    editors = Group.objects.create(name="editors")
    editors.permissions.add(
        Permission.objects.get(content_type__model="source", codename="change_source"),
        Permission.objects.get(content_type__model="category", codename="view_category"),
    )
    migrate(AFTER)
    codenames = set(editors.permissions.values_list("codename", flat=True))
    assert codenames == {"change_outlet", "view_section"}
    assert not Permission.objects.filter(codename__in=["change_source", "view_category"])


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_back_to_the_latest_schema")
def test_a_new_type_made_before_the_migration_is_folded_into_the_old_one() -> None:
    """New code that ran before `migrate` (an admin page looked the outlet's type up)
    made an "outlet" content type beside "source": staff keep what they could do."""
    from django.contrib.admin.models import CHANGE, LogEntry
    from django.contrib.auth.models import User
    from django.contrib.contenttypes.models import ContentType

    migrate(BEFORE)
    editors = Group.objects.create(name="editors")
    editors.permissions.add(
        Permission.objects.get(content_type__model="source", codename="change_source")
    )
    early = ContentType.objects.create(app_label="articles", model="outlet")
    viewer = User.objects.create(username="viewer")
    viewer.user_permissions.add(
        Permission.objects.create(content_type=early, codename="view_outlet", name="v")
    )
    LogEntry.objects.create(
        user=viewer, content_type=early, object_id="1", object_repr="x", action_flag=CHANGE
    )
    migrate(AFTER)
    ContentType.objects.clear_cache()
    (outlet_type,) = ContentType.objects.filter(
        app_label="articles", model__in=["source", "outlet"]
    )
    assert outlet_type.model == "outlet"
    assert set(editors.permissions.values_list("codename", flat=True)) == {"change_outlet"}
    assert User.objects.get(username="viewer").user_permissions.get().codename == "view_outlet"
    assert LogEntry.objects.get().content_type == outlet_type
    assert not Permission.objects.filter(codename__endswith="_source")


def test_old_admin_addresses_answer_with_the_new_ones(admin_client) -> None:
    response = admin_client.get("/admin/articles/source/?status__exact=paused&q=هسبريس")
    assert response.status_code == 301
    assert response["Location"].startswith("/admin/articles/outlet/?status__exact=paused&q=")
    outlet = Outlet.objects.create(name="كود", slug="goud", feed_url="https://goud.ma/feed/")
    response = admin_client.get(f"/admin/articles/source/{outlet.pk}/change/")
    assert response["Location"] == f"/admin/articles/outlet/{outlet.pk}/change/"
    assert admin_client.get(response["Location"]).status_code == 200
    assert admin_client.get("/admin/articles/category/")["Location"] == (
        "/admin/articles/section/"
    )


@pytest.mark.django_db
def test_ingest_takes_outlet_and_its_older_name_source() -> None:
    for option in ("--outlet", "--source"):
        with pytest.raises(CommandError, match="no source with slug 'nope'"):
            call_command("ingest", option, "nope", "--no-progress")


def test_old_filters_of_the_article_list_answer_with_the_new_names(admin_client) -> None:
    response = admin_client.get(
        "/admin/articles/article/?source__id__exact=3&category__isnull=True&q=كأس"
    )
    assert response.status_code == 301
    location = response["Location"]
    assert location.startswith("/admin/articles/article/?")
    assert "outlet__id__exact=3" in location and "section__isnull=True" in location
    assert "source__" not in location and "category__" not in location
    assert admin_client.get(location).status_code == 200
    # The new names and the lists' other parameters are left alone.
    assert admin_client.get("/admin/articles/article/?outlet__id__exact=3").status_code == 200
    assert admin_client.get("/admin/articles/fetchlog/?source__id__exact=1").status_code == 301
