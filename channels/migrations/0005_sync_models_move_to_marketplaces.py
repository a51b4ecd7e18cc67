"""The marketplace sync engine's models move to the `marketplaces` app; their tables stay.

State only: `marketplaces.0001_initial` takes the same models over on the same `channels_*`
tables, so no row moves. The stock change log becomes inventory's change feed: its rows are
copied into `inventory_stockchange` and its table dropped by `marketplaces.0001_initial`.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('channels', '0004_stock_change_log'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
        migrations.RemoveField(
            model_name='channelconfirmation',
            name='channel',
        ),
        migrations.RemoveField(
            model_name='channelconfirmation',
            name='order',
        ),
        migrations.RemoveField(
            model_name='channelorder',
            name='channel',
        ),
        migrations.RemoveField(
            model_name='channelorder',
            name='order',
        ),
        migrations.RemoveField(
            model_name='channelsync',
            name='channel',
        ),
        migrations.RemoveField(
            model_name='channelsync',
            name='feeding_locations',
        ),
        migrations.RemoveField(
            model_name='listing',
            name='channel',
        ),
        migrations.RemoveField(
            model_name='listing',
            name='sku',
        ),
        migrations.DeleteModel(
            name='StockChange',
        ),
        migrations.RemoveField(
            model_name='stockoutbox',
            name='channel',
        ),
        migrations.RemoveField(
            model_name='stockoutbox',
            name='sku',
        ),
        migrations.RemoveField(
            model_name='stockoverride',
            name='channel',
        ),
        migrations.RemoveField(
            model_name='stockoverride',
            name='sku',
        ),
        migrations.RemoveField(
            model_name='syncevent',
            name='channel',
        ),
        migrations.RemoveField(
            model_name='webhookdelivery',
            name='channel',
        ),
        migrations.DeleteModel(
            name='ChannelConfirmation',
        ),
        migrations.DeleteModel(
            name='ChannelOrder',
        ),
        migrations.DeleteModel(
            name='ChannelSync',
        ),
        migrations.DeleteModel(
            name='Listing',
        ),
        migrations.DeleteModel(
            name='StockOutbox',
        ),
        migrations.DeleteModel(
            name='StockOverride',
        ),
        migrations.DeleteModel(
            name='SyncEvent',
        ),
        migrations.DeleteModel(
            name='WebhookDelivery',
        ),
                ],
            database_operations=[],
        ),
    ]
