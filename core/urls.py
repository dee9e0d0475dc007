from django.contrib.auth import views as auth_views
from django.urls import path

from . import reveal, twofactor, views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", twofactor.LoginView.as_view(), name="login"),
    path("login/verify/", twofactor.login_totp, name="login_totp"),
    path("account/two-factor/", twofactor.two_factor, name="two_factor"),
    path("reveal/", reveal.reveal, name="reveal"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("health/", views.health, name="health"),
    path("i18n/setlang/", views.set_language, name="set_language"),
]
