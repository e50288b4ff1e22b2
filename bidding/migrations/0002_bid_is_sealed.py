"""Bid.is_sealed: the demand's bidding mode at submission, so a later flip of the flag cannot unseal a bid."""

from django.db import migrations, models


def from_demand(apps, schema_editor):
    # Existing bids take their demand's current mode: the best record there is of how they were sent.
    Bid = apps.get_model("bidding", "Bid")
    Bid.objects.filter(demand__is_open_bidding=True).update(is_sealed=False)
    Bid.objects.filter(demand__is_open_bidding=False).update(is_sealed=True)


class Migration(migrations.Migration):
    dependencies = [
        ("bidding", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="bid",
            name="is_sealed",
            field=models.BooleanField(
                default=True,
                editable=False,
                help_text="提交时需求为密封报价：截止前只有投标单位可见",
                verbose_name="密封报价",
            ),
        ),
        migrations.RunPython(from_demand, migrations.RunPython.noop),
    ]
