"""Copy every channel's feeding locations to routing's pool table (`marketplaces.receivers_pool` keeps it
true from now on)."""

from typing import Any

from django.db import migrations


def copy_pools(apps: Any, schema_editor: Any) -> None:
    sync_model = apps.get_model("marketplaces", "ChannelSync")
    pool_model = apps.get_model("fulfillment", "ChannelLocationPool")
    pool_model.objects.bulk_create(
        [
            pool_model(channel_id=sync.channel_id, location_id=location.pk)
            for sync in sync_model.objects.all()
            for location in sync.feeding_locations.all()
        ],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("marketplaces", "0001_initial"),
        ("fulfillment", "0010_routing_terms"),
    ]

    operations = [migrations.RunPython(copy_pools, migrations.RunPython.noop)]
