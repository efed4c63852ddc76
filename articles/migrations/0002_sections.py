"""Load the canonical Moroccan sections and their common aliases."""

from django.db import migrations


def load_sections(apps, schema_editor):
    # Frozen here with the field names of this point in history (category, source):
    # only the data (SECTIONS) and a pure function come from live code.
    from articles.ingest.outlets import SECTIONS
    from articles.lib.text import normalize_label

    Category = apps.get_model("articles", "Category")
    CategoryAlias = apps.get_model("articles", "CategoryAlias")
    for position, (slug, name, name_fr, aliases) in enumerate(SECTIONS):
        category, _ = Category.objects.get_or_create(
            slug=slug, defaults={"name": name, "name_fr": name_fr, "position": position}
        )
        for label in {normalize_label(a) for a in (name, name_fr, *aliases)}:
            CategoryAlias.objects.get_or_create(
                source=None, label=label, defaults={"category": category}
            )


class Migration(migrations.Migration):
    dependencies = [("articles", "0001_initial")]
    operations = [migrations.RunPython(load_sections, migrations.RunPython.noop)]
