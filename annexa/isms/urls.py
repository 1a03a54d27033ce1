app_name = "isms"
urlpatterns: list = []
