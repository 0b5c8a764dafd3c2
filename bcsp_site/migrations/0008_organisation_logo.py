"""The organisation's logo: one for every language, and one per language where it differs."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('bcsp_site', '0007_menu_drafts'),
        ('wagtailimages', '0027_image_description'),
    ]

    operations = [
        migrations.AddField(
            model_name='organisationsettings',
            name='logo',
            field=models.ForeignKey(blank=True, help_text="The logo in the header and footer, in every language without a logo of its own: an SVG, or a PNG with a transparent background at least 160 pixels high, that reads on the header's and the footer's colours. Leave empty for the built-in wordmark.", null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='wagtailimages.image'),
        ),
        migrations.AddField(
            model_name='organisationtext',
            name='logo',
            field=models.ForeignKey(blank=True, help_text='Only if the logo differs in this language (for example, it spells out the name): otherwise leave empty and the logo for every language is used.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='wagtailimages.image'),
        ),
    ]
