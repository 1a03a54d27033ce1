from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "annexa.people"
    label = "people"
    verbose_name = "People and accounts"
