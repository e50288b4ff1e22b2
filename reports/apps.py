from django.apps import AppConfig
from django.db.models.signals import post_save


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "成效统计"

    def ready(self):
        from reports import signals  # models are loaded only once the registry is ready

        post_save.connect(signals.supply_saved, sender="catalog.Supply", dispatch_uid="reports-supply-records")
