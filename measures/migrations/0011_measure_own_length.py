"""How much of a measure's plain text is its own title and text (the rest: names it is also found
by), so that a verbatim match and an exclusion read only its own words. A nullable column: added
without rebuilding the table (on SQLite a rebuild would drop the full-text triggers). Written by
indexing: `manage.py reindex` after upgrading (the index format changed too: bigram tokens)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('measures', '0010_text_match_cost'),
    ]

    operations = [
        migrations.AddField(
            model_name='measure',
            name='own_length',
            field=models.IntegerField(editable=False, null=True),
        ),
    ]
