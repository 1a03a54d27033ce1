from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "annexa.reviews"
    label = "reviews"
