"""One word for each thing: the models Source and Category are Outlet and Section in code.

Nothing changes in the database: tables and columns keep their first names (db_table,
db_column), so this migration only moves Django's state, renames the content types and
the permissions' codenames (a group that could change sources can change outlets), and
is instant on any installation.
"""

import django.db.models.deletion
from django.db import migrations, models

RENAMED = {"source": "outlet", "category": "section", "categoryalias": "sectionalias"}
ACTIONS = ("add", "change", "delete", "view")


def rename_content_types(apps, schema_editor, renamed=RENAMED):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for old, new in renamed.items():
        types = ContentType.objects.using(db).filter(app_label="articles")
        old_type = types.filter(model=old).first()
        if old_type is None:
            continue  # a new database: post_migrate creates them under the new names
        new_type = types.filter(model=new).first()
        if new_type is not None:
            # The new code ran before this migration and made the new type (an admin page
            # looked it up): fold it into the old one, which groups and the log name.
            _fold(apps, db, new_type, old_type, old, new)
        old_type.model = new
        old_type.save(update_fields=["model"])
        Permission = apps.get_model("auth", "Permission")
        for action in ACTIONS:
            Permission.objects.using(db).filter(
                content_type=old_type, codename=f"{action}_{old}"
            ).update(codename=f"{action}_{new}")


def _fold(apps, db, new_type, old_type, old, new):
    """Everything that points at ``new_type`` points at ``old_type``; then it goes."""
    Permission = apps.get_model("auth", "Permission")
    LogEntry = apps.get_model("admin", "LogEntry")
    for permission in Permission.objects.using(db).filter(content_type=new_type):
        action = permission.codename.removesuffix(f"_{new}")
        kept = Permission.objects.using(db).filter(
            content_type=old_type, codename__in=[f"{action}_{old}", permission.codename]
        ).first()
        if kept is None:
            permission.content_type = old_type
            permission.save(update_fields=["content_type"])
            continue
        for group in permission.group_set.all():
            group.permissions.add(kept)
        for user in permission.user_set.all():
            user.user_permissions.add(kept)
        permission.delete()
    LogEntry.objects.using(db).filter(content_type=new_type).update(content_type=old_type)
    new_type.delete()


def restore_content_types(apps, schema_editor):
    rename_content_types(apps, schema_editor, {new: old for old, new in RENAMED.items()})


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0008_fetch_log_dropped"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("admin", "0003_logentry_add_action_flag_choices"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterModelTable("source", "articles_source"),
                migrations.AlterModelTable("category", "articles_category"),
                migrations.AlterModelTable("categoryalias", "articles_categoryalias"),
                migrations.RenameModel("Source", "Outlet"),
                migrations.RenameModel("Category", "Section"),
                migrations.RenameModel("CategoryAlias", "SectionAlias"),
                migrations.RenameField("article", "source", "outlet"),
                migrations.RenameField("article", "category", "section"),
                migrations.RenameField("sectionalias", "source", "outlet"),
                migrations.RenameField("sectionalias", "category", "section"),
                migrations.RenameField("fetchlog", "source", "outlet"),
                migrations.RenameField("searchentry", "source_id", "outlet_id"),
                migrations.RenameField("searchentry", "category_id", "section_id"),
                # The same indexes and constraints, now over the renamed fields.
                migrations.RemoveConstraint(
                    model_name='article',
                    name='article_unique_key',
                ),
                migrations.RemoveConstraint(
                    model_name='sectionalias',
                    name='alias_unique_per_source',
                ),
                migrations.RemoveConstraint(
                    model_name='sectionalias',
                    name='alias_unique_global',
                ),
                migrations.RemoveIndex(
                    model_name='article',
                    name='article_source_page_idx',
                ),
                migrations.RemoveIndex(
                    model_name='article',
                    name='article_category_page_idx',
                ),
                migrations.RemoveIndex(
                    model_name='fetchlog',
                    name='fetchlog_source_latest_idx',
                ),
                migrations.AlterField(
                    model_name='article',
                    name='outlet',
                    field=models.ForeignKey(db_column='source_id', on_delete=django.db.models.deletion.CASCADE, related_name='articles', to='articles.outlet', verbose_name='source'),
                ),
                migrations.AlterField(
                    model_name='article',
                    name='section',
                    field=models.ForeignKey(blank=True, db_column='category_id', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='articles', to='articles.section', verbose_name='القسم'),
                ),
                migrations.AlterField(
                    model_name='fetchlog',
                    name='outlet',
                    field=models.ForeignKey(db_column='source_id', on_delete=django.db.models.deletion.CASCADE, related_name='fetch_logs', to='articles.outlet', verbose_name='source'),
                ),
                migrations.AlterField(
                    model_name='searchentry',
                    name='outlet_id',
                    field=models.BigIntegerField(db_column='source_id'),
                ),
                migrations.AlterField(
                    model_name='searchentry',
                    name='section_id',
                    field=models.BigIntegerField(db_column='category_id', null=True),
                ),
                migrations.AlterField(
                    model_name='sectionalias',
                    name='outlet',
                    field=models.ForeignKey(blank=True, db_column='source_id', null=True, on_delete=django.db.models.deletion.CASCADE, related_name='section_aliases', to='articles.outlet', verbose_name='source'),
                ),
                migrations.AlterField(
                    model_name='sectionalias',
                    name='section',
                    field=models.ForeignKey(db_column='category_id', on_delete=django.db.models.deletion.CASCADE, related_name='aliases', to='articles.section', verbose_name='category'),
                ),
                migrations.AddIndex(
                    model_name='article',
                    index=models.Index(fields=['outlet', '-published_at', '-id'], name='article_source_page_idx'),
                ),
                migrations.AddIndex(
                    model_name='article',
                    index=models.Index(fields=['section', '-published_at', '-id'], name='article_category_page_idx'),
                ),
                migrations.AddIndex(
                    model_name='fetchlog',
                    index=models.Index(fields=['outlet', '-started_at'], name='fetchlog_source_latest_idx'),
                ),
                migrations.AddConstraint(
                    model_name='article',
                    constraint=models.UniqueConstraint(fields=('outlet', 'key'), name='article_unique_key'),
                ),
                migrations.AddConstraint(
                    model_name='sectionalias',
                    constraint=models.UniqueConstraint(condition=models.Q(('outlet__isnull', False)), fields=('outlet', 'label'), name='alias_unique_per_source'),
                ),
                migrations.AddConstraint(
                    model_name='sectionalias',
                    constraint=models.UniqueConstraint(condition=models.Q(('outlet__isnull', True)), fields=('label',), name='alias_unique_global'),
                ),
            ]
        ),
        migrations.RunPython(rename_content_types, restore_content_types),
    ]
