"""A version number of the routing network's static rows (locations, store profiles, cost terms).

Routing reads every shipping location with its profile and terms on every order; they change a
few times a day at most. A process keeps the ones it built under this number and, while the
number is the same, reads only what changes per order (stock, load, pool membership).

A statement-level trigger on each of the three tables sets the number from a sequence, in the
writing transaction: readers see it change exactly when they see the rows change, a rolled-back
change takes its number back with it, and no number is ever handed out twice (the sequence is
not rolled back), so a number once read always stands for the same rows. PostgreSQL only: the
embedded SQLite demo reads the rows every time.

The price: a transaction that writes one of these rows holds the version's row until it commits.
Two such transactions already waited for each other when they wrote the same row; two that each
write two different rows of these tables in opposite orders can now deadlock (PostgreSQL aborts
one of them). Staff edits, a store saying it is full today and seeding are all that write them,
a few times a day; the order path only reads them.
"""

from django.db import migrations

TABLES = ("inventory_location", "fulfillment_storeprofile", "fulfillment_locationcostterms")

FORWARD = [
    "CREATE SEQUENCE fulfillment_routing_network_seq",
    "CREATE TABLE fulfillment_routing_network_version ("
    " id smallint PRIMARY KEY CHECK (id = 1), version bigint NOT NULL)",
    "INSERT INTO fulfillment_routing_network_version VALUES (1, nextval('fulfillment_routing_network_seq'))",
    "CREATE FUNCTION fulfillment_routing_network_changed() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN UPDATE fulfillment_routing_network_version "
    "SET version = nextval('fulfillment_routing_network_seq') WHERE id = 1; RETURN NULL; END $$",
    *(
        f"CREATE TRIGGER routing_network_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION fulfillment_routing_network_changed()"
        for table in TABLES
    ),
]

BACKWARD = [
    *(f"DROP TRIGGER IF EXISTS routing_network_changed ON {table}" for table in TABLES),
    "DROP FUNCTION IF EXISTS fulfillment_routing_network_changed()",
    "DROP TABLE IF EXISTS fulfillment_routing_network_version",
    "DROP SEQUENCE IF EXISTS fulfillment_routing_network_seq",
]


def _run(statements: list[str]):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("fulfillment", "0010_routing_terms"),
        ("inventory", "0008_movement_kind_supplier_feed"),
    ]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
