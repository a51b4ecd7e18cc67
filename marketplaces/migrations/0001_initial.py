"""The marketplace sync engine's models, taken over from `channels` on their existing tables.

The models keep their `channels_*` tables (`db_table`), so this migration only changes Django's
state; the content types (and so the permissions granted on them) move with the models. The
old stock change log's rows move to inventory's change feed and its table goes.
"""

from django.db import migrations, models
import django.db.models.deletion
import django.utils.timezone

MOVED = ["channelsync", "stockoverride", "listing", "stockoutbox", "syncevent", "webhookdelivery", "channelorder", "channelconfirmation"]


def move_content_types(apps, schema_editor):
    """Keep permission grants: the moved models' content types change app label, not identity."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        if not ContentType.objects.filter(app_label="marketplaces", model=model).exists():
            ContentType.objects.filter(app_label="channels", model=model).update(app_label="marketplaces")


def restore_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="marketplaces", model__in=MOVED).update(app_label="channels")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('channels', '0005_sync_models_move_to_marketplaces'),
        ('inventory', '0005_stockchange'),
        ('orders', '0001_initial'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
        migrations.CreateModel(
            name='ChannelSync',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('base_url', models.CharField(blank=True, help_text='The marketplace API root, e.g. https://my-shop.myshopify.com. sandbox://shopify uses the in-product sandbox.', max_length=300)),
                ('credentials_encrypted', models.TextField(blank=True, help_text='Fernet token of the JSON credentials.')),
                ('credential_status', models.CharField(choices=[('unchecked', 'Not checked yet'), ('ok', 'Working'), ('expired', 'Expired or revoked')], default='unchecked', max_length=12)),
                ('credential_error', models.CharField(blank=True, max_length=300)),
                ('sync_stock', models.BooleanField(default=True, help_text='Push available-to-sell to the channel.')),
                ('buffer', models.PositiveIntegerField(default=0, help_text='Units held back from this channel per SKU.')),
                ('percentage', models.PositiveSmallIntegerField(default=100, help_text='Share of the available units offered here (0 to 100), rounded down.')),
                ('maximum', models.PositiveIntegerField(blank=True, help_text='Never show more than this per SKU.', null=True)),
                ('last_push_ok_at', models.DateTimeField(blank=True, null=True)),
                ('last_pull_ok_at', models.DateTimeField(blank=True, null=True)),
                ('last_reconcile_at', models.DateTimeField(blank=True, null=True)),
                ('drift_found', models.PositiveIntegerField(default=0, help_text='SKUs that differed at the last reconciliation.')),
                ('throttled_until', models.DateTimeField(blank=True, null=True)),
                ('throttle_count', models.PositiveIntegerField(default=0)),
                ('orders_watermark', models.DateTimeField(blank=True, null=True)),
                ('resync_total', models.PositiveIntegerField(default=0, help_text='Size of the last re-sync, for its progress bar.')),
                ('resync_started_at', models.DateTimeField(blank=True, null=True)),
                ('push_max_wait', models.FloatField(blank=True, help_text='Seconds a stock change may wait to fill a batch before it is pushed (blank: the default).', null=True)),
                ('channel', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='sync', to='channels.channel')),
                ('feeding_locations', models.ManyToManyField(blank=True, help_text='Locations whose stock this channel may sell. None chosen: every location that ships orders.', related_name='+', to='inventory.location')),
            ],
            options={
                'db_table': 'channels_channelsync',
                'permissions': [('manage_sync', 'Can connect channels, set stock policies, list SKUs and re-sync')],
            },
        ),
        migrations.CreateModel(
            name='ChannelConfirmation',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('ship', 'Shipment'), ('cancel', 'Cancellation'), ('refund', 'Refund')], max_length=8)),
                ('dedupe_key', models.CharField(max_length=120, unique=True)),
                ('payload', models.JSONField(default=dict)),
                ('state', models.CharField(choices=[('pending', 'Pending'), ('in_flight', 'Pushing'), ('applied', 'Applied'), ('failed', 'Failed')], default='pending', max_length=10)),
                ('attempts', models.PositiveIntegerField(default=0)),
                ('next_attempt_at', models.DateTimeField()),
                ('last_error', models.CharField(blank=True, max_length=500)),
                ('remote_id', models.CharField(blank=True, max_length=100)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('applied_at', models.DateTimeField(blank=True, null=True)),
                ('channel', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='confirmations', to='channels.channel')),
                ('order', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='channel_confirmations', to='orders.order')),
            ],
            options={
                'db_table': 'channels_channelconfirmation',
                'ordering': ['-created_at', '-id'],
                'indexes': [models.Index(fields=['state', 'next_attempt_at'], name='confirmation_due')],
            },
        ),
        migrations.CreateModel(
            name='ChannelOrder',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('external_id', models.CharField(max_length=100)),
                ('status', models.CharField(choices=[('imported', 'Imported'), ('held', 'Held'), ('cancelled', 'Cancelled on the channel')], max_length=10)),
                ('hold_reason', models.CharField(blank=True, max_length=500)),
                ('remote_updated_at', models.DateTimeField(blank=True, null=True)),
                ('data', models.JSONField(default=dict, help_text='The order as read from the channel, normalised.')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('channel', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='channel_orders', to='channels.channel')),
                ('order', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='channel_order', to='orders.order')),
            ],
            options={
                'db_table': 'channels_channelorder',
                'ordering': ['-created_at', '-id'],
                'constraints': [models.UniqueConstraint(fields=('channel', 'external_id'), name='channelorder_unique')],
            },
        ),
        migrations.CreateModel(
            name='Listing',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('external_sku', models.CharField(help_text='The seller SKU on the channel.', max_length=100)),
                ('external_id', models.CharField(help_text="The channel's id: Shopify variant, WooCommerce product, eBay/Amazon seller SKU.", max_length=100)),
                ('inventory_ref', models.CharField(blank=True, help_text='Where its stock is set, when not the id: Shopify inventory item.', max_length=100)),
                ('last_pushed_quantity', models.IntegerField(blank=True, null=True)),
                ('last_pushed_at', models.DateTimeField(blank=True, null=True)),
                ('last_seen_quantity', models.IntegerField(blank=True, null=True)),
                ('last_seen_at', models.DateTimeField(blank=True, null=True)),
                ('error', models.CharField(blank=True, max_length=300)),
                ('removing', models.BooleanField(default=False, help_text='Being removed: 0 is pushed to the channel, then the listing is forgotten.')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('channel', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='listings', to='channels.channel')),
                ('sku', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='listings', to='inventory.sku')),
            ],
            options={
                'db_table': 'channels_listing',
                'ordering': ['channel', 'external_sku'],
                'constraints': [models.UniqueConstraint(fields=('channel', 'sku'), name='listing_unique_sku'), models.UniqueConstraint(fields=('channel', 'external_sku'), name='listing_unique_external_sku'), models.UniqueConstraint(fields=('channel', 'external_id'), name='listing_unique_external_id')],
            },
        ),
        migrations.CreateModel(
            name='StockOutbox',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('generation', models.BigIntegerField(default=1)),
                ('state', models.CharField(choices=[('pending', 'Pending'), ('in_flight', 'Pushing'), ('applied', 'Applied'), ('failed', 'Failed')], default='pending', max_length=10)),
                ('changed_at', models.DateTimeField(help_text='First change not yet shown on the channel.')),
                ('claimed_at', models.DateTimeField(blank=True, null=True)),
                ('claimed_generation', models.BigIntegerField(default=0)),
                ('claim_token', models.CharField(blank=True, help_text='The claim of the pusher that owns the row in flight; marks must match it.', max_length=32)),
                ('next_attempt_at', models.DateTimeField()),
                ('attempts', models.PositiveIntegerField(default=0)),
                ('last_error', models.CharField(blank=True, max_length=500)),
                ('quantity', models.IntegerField(blank=True, help_text='The quantity last pushed.', null=True)),
                ('applied_at', models.DateTimeField(blank=True, null=True)),
                ('force', models.BooleanField(default=False, help_text='Push even if the channel should already show it (re-sync).')),
                ('channel', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='outbox', to='channels.channel')),
                ('sku', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='inventory.sku')),
            ],
            options={
                'db_table': 'channels_stockoutbox',
                'indexes': [models.Index(fields=['channel', 'state', 'next_attempt_at'], name='stockoutbox_due')],
                'constraints': [models.UniqueConstraint(fields=('channel', 'sku'), name='stockoutbox_unique')],
            },
        ),
        migrations.CreateModel(
            name='StockOverride',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('buffer', models.PositiveIntegerField(blank=True, help_text="Replaces the channel's buffer.", null=True)),
                ('maximum', models.PositiveIntegerField(blank=True, help_text="Replaces the channel's maximum.", null=True)),
                ('blocked', models.BooleanField(default=False, help_text='Offer none of this SKU here.')),
                ('channel', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='stock_overrides', to='channels.channel')),
                ('sku', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='channel_overrides', to='inventory.sku')),
            ],
            options={
                'db_table': 'channels_stockoverride',
                'constraints': [models.UniqueConstraint(fields=('channel', 'sku'), name='stockoverride_unique')],
            },
        ),
        migrations.CreateModel(
            name='SyncEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('push', 'Stock push'), ('pull', 'Order pull'), ('reconcile', 'Reconciliation'), ('webhook', 'Webhook'), ('order', 'Order'), ('confirm', 'Confirmation'), ('credentials', 'Credentials')], max_length=12)),
                ('level', models.CharField(choices=[('info', 'Info'), ('warning', 'Warning'), ('error', 'Error')], default='info', max_length=8)),
                ('message', models.CharField(max_length=500)),
                ('action', models.CharField(blank=True, help_text='What a person can do about it.', max_length=300)),
                ('calls', models.PositiveIntegerField(default=0)),
                ('data', models.JSONField(blank=True, default=dict)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('channel', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='sync_events', to='channels.channel')),
            ],
            options={
                'db_table': 'channels_syncevent',
                'ordering': ['-created_at', '-id'],
                'indexes': [models.Index(fields=['channel', '-created_at'], name='syncevent_recent')],
            },
        ),
        migrations.CreateModel(
            name='WebhookDelivery',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('event_id', models.CharField(max_length=120)),
                ('topic', models.CharField(max_length=60)),
                ('resource_id', models.CharField(blank=True, max_length=100)),
                ('status', models.CharField(choices=[('received', 'Received'), ('processed', 'Processed'), ('failed', 'Failed'), ('ignored', 'Ignored')], default='received', max_length=10)),
                ('duplicates', models.PositiveIntegerField(default=0, help_text='Repeat deliveries of the same event.')),
                ('error', models.CharField(blank=True, max_length=500)),
                ('payload', models.JSONField(blank=True, default=dict)),
                ('received_at', models.DateTimeField(auto_now_add=True)),
                ('processed_at', models.DateTimeField(blank=True, null=True)),
                ('channel', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='webhook_deliveries', to='channels.channel')),
            ],
            options={
                'db_table': 'channels_webhookdelivery',
                'ordering': ['-received_at', '-id'],
                'constraints': [models.UniqueConstraint(fields=('channel', 'event_id'), name='webhookdelivery_unique_event')],
            },
        ),
                ],
            database_operations=[],
        ),
        migrations.RunSQL(
            sql=[
                "INSERT INTO inventory_stockchange (location_id, sku_id, created_at) "
                "SELECT location_id, sku_id, created_at FROM channels_stockchange ORDER BY id",
                "DROP TABLE channels_stockchange",
            ],
            reverse_sql=[
                "CREATE TABLE channels_stockchange AS SELECT * FROM inventory_stockchange WHERE 1 = 0",
            ],
        ),
        migrations.RunPython(move_content_types, restore_content_types),
    ]
