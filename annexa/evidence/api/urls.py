app_name = "evidence-api"
urlpatterns: list = []
