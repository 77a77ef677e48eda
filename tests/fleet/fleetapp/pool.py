"""Every migration of the test app; stage N (``stages/sN``) has the first N of them.

Stage 1 is what tenants are provisioned with; later stages are "a deploy" for the fleet:
2 and 4-5 add a nullable column (the fast path), 3 is RunPython (the executor fallback),
6 adds a model with a foreign key, a unique constraint, an index and a second foreign key.
Later stages (7 to 25) are more rounds for the benchmark: RunPython at 8, 13, 18, 23, a column
at the others.
"""

from django.conf import settings
from django.db import migrations, models


def dependencies(number: int) -> list:
    return [("fleetapp", NAMES[number - 1])] if number > 1 else [migrations.swappable_dependency(
        settings.AUTH_USER_MODEL)]


def fill_colour(apps, schema_editor):
    apps.get_model("fleetapp", "Widget").objects.filter(colour__isnull=True).update(colour="blue")


def fill_extra(apps, schema_editor):
    apps.get_model("fleetapp", "Widget").objects.update(size=1)


OPERATIONS = {
    1: [migrations.CreateModel("Widget", [
        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
        ("name", models.CharField(max_length=100)),
        ("created", models.DateTimeField(auto_now_add=True)),
    ])],
    2: [migrations.AddField("widget", "colour", models.CharField(max_length=20, null=True))],
    3: [migrations.RunPython(fill_colour, migrations.RunPython.noop)],
    4: [migrations.AddField("widget", "size", models.IntegerField(null=True))],
    5: [migrations.AddField("widget", "weight", models.IntegerField(null=True))],
    6: [
        migrations.CreateModel("Part", [
            ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
            ("label", models.CharField(max_length=50)),
            ("widget", models.ForeignKey(on_delete=models.deletion.CASCADE, to="fleetapp.widget")),
        ]),
        migrations.AddConstraint("part", models.UniqueConstraint(fields=["widget", "label"],
                                                                 name="fleetapp_part_unique")),
        migrations.AddIndex("widget", models.Index(fields=["name"], name="fleetapp_widget_name_idx")),
        migrations.AddField("widget", "owner", models.ForeignKey(
            null=True, on_delete=models.deletion.SET_NULL, to=settings.AUTH_USER_MODEL)),
    ],
    # The benchmark's later rounds (bench/fleet.py --base): a column, RunPython, columns.
    **{number: [migrations.RunPython(fill_extra, migrations.RunPython.noop)] if number % 5 == 3 else
       [migrations.AddField("widget", f"extra{number}", models.IntegerField(null=True))]
       for number in range(7, 26)},
}
NAMES = {number: f"{number:04d}_step" for number in OPERATIONS}
LAST = max(OPERATIONS)


def migration(number: int, module: str) -> type:
    return type("Migration", (migrations.Migration,), {
        "dependencies": dependencies(number), "operations": OPERATIONS[number], "__module__": module,
    })
