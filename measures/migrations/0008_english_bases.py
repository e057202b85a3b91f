from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('measures', '0007_document_programme'),
        ('pilots', '0002_english_bases'),
    ]

    operations = [
        migrations.AddField(
            model_name='department',
            name='basis_en',
            field=models.TextField(blank=True, help_text='The same, in English, for the English interface.'),
        ),
        migrations.AddField(
            model_name='department',
            name='changes_en',
            field=models.TextField(blank=True, help_text='The same, in English, for the English interface.'),
        ),
        migrations.AddField(
            model_name='document',
            name='note_en',
            field=models.TextField(blank=True, help_text='The same, in English, for the English interface.'),
        ),
        migrations.AddField(
            model_name='historicaldepartment',
            name='basis_en',
            field=models.TextField(blank=True, help_text='The same, in English, for the English interface.'),
        ),
        migrations.AddField(
            model_name='historicaldepartment',
            name='changes_en',
            field=models.TextField(blank=True, help_text='The same, in English, for the English interface.'),
        ),
        migrations.AddField(
            model_name='historicaldocument',
            name='note_en',
            field=models.TextField(blank=True, help_text='The same, in English, for the English interface.'),
        ),
        migrations.AlterField(
            model_name='department',
            name='basis',
            field=models.TextField(help_text='The public source of the full name, aliases and changes, in Chinese.'),
        ),
        migrations.AlterField(
            model_name='department',
            name='changes',
            field=models.TextField(blank=True, help_text='What happened to it, if it changed (merged, dissolved), in Chinese.'),
        ),
        migrations.AlterField(
            model_name='document',
            name='note',
            field=models.TextField(blank=True, help_text="Curator's note on what the source does and does not contain, in Chinese."),
        ),
        migrations.AlterField(
            model_name='historicaldepartment',
            name='basis',
            field=models.TextField(help_text='The public source of the full name, aliases and changes, in Chinese.'),
        ),
        migrations.AlterField(
            model_name='historicaldepartment',
            name='changes',
            field=models.TextField(blank=True, help_text='What happened to it, if it changed (merged, dissolved), in Chinese.'),
        ),
        migrations.AlterField(
            model_name='historicaldocument',
            name='note',
            field=models.TextField(blank=True, help_text="Curator's note on what the source does and does not contain, in Chinese."),
        ),
    ]
