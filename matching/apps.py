from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "matching"
    verbose_name = "匹配"

    def ready(self):
        # Register the meaning-based search ranker with catalog.search and the near-duplicate finder
        # with catalog.importing (catalog cannot import matching).
        from matching import duplicates, search  # noqa: F401
