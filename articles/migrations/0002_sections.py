"""Load the canonical Moroccan sections and their common aliases."""

from django.db import migrations


def load_sections(apps, schema_editor):
    from articles.ingest.outlets import load_sections

    load_sections(apps.get_model("articles", "Category"), apps.get_model("articles", "CategoryAlias"))


class Migration(migrations.Migration):
    dependencies = [("articles", "0001_initial")]
    operations = [migrations.RunPython(load_sections, migrations.RunPython.noop)]
