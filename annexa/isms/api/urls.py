app_name = "isms-api"
urlpatterns: list = []
