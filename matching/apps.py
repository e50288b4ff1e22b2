from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "matching"
    verbose_name = "匹配"

    def ready(self):
        # Registers the meaning-based ranker with catalog.search (catalog cannot import matching).
        from matching import search  # noqa: F401
