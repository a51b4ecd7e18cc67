# The history of channels keeps their customer-facing brand too (channels 0007).

import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0001_history_of_master_data'),
    ]

    operations = [
        migrations.AddField(
            model_name='historicalchannel',
            name='brand_color',
            field=models.CharField(blank=True, help_text="Buttons and links on the customer pages, e.g. #1f4fd1; empty: the product's blue.", max_length=7, validators=[django.core.validators.RegexValidator('^#[0-9a-fA-F]{6}$', 'Enter a colour as # and six hex digits, e.g. #1f4fd1.')], verbose_name='brand colour'),
        ),
        migrations.AddField(
            model_name='historicalchannel',
            name='brand_logo_url',
            field=models.URLField(blank=True, help_text="https address of the shop's logo (PNG or SVG, about 160 x 40 px); empty: the name alone.", max_length=500, verbose_name='logo address'),
        ),
        migrations.AddField(
            model_name='historicalchannel',
            name='brand_name',
            field=models.CharField(blank=True, help_text="The shop's name as customers know it; empty: the channel's name.", max_length=120),
        ),
    ]
