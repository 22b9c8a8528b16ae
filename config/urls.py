from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from rathausmobil.access import api as access_api
from rathausmobil.agreements import api as agreements_api
from rathausmobil.core import health
from rathausmobil.core import views as core_views
from rathausmobil.eligibility import api as eligibility_api
from rathausmobil.equipment import api as equipment_api
from rathausmobil.organisation import api as organisation_api
from rathausmobil.organisation import oidc
from rathausmobil.organisation.directory import directory_login_on
from rathausmobil.presence import api as presence_api

router = DefaultRouter()
organisation_api.register(router)
eligibility_api.register(router)
agreements_api.register(router)
equipment_api.register(router)
access_api.register(router)
presence_api.register(router)

handler400 = "rathausmobil.core.views.bad_request"
handler403 = "rathausmobil.core.views.permission_denied"
handler404 = "rathausmobil.core.views.page_not_found"
handler500 = "rathausmobil.core.views.server_error"

urlpatterns = [
    path("", include("rathausmobil.home.urls")),
    path("favicon.ico", core_views.favicon),
    # for the load balancer and monitoring, without a login (core/health.py)
    path("health/", login_not_required(health.HealthView.as_view()), name="health"),
    path("health/live/", login_not_required(health.live), name="health-live"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="registration/login.html",
            redirect_authenticated_user=True,
            # called by the template at each view: a changed setting counts at once
            extra_context={
                "directory_login": directory_login_on,
                "oidc_login": oidc.oidc_login_on,
            },
        ),
        name="login",
    ),
    # Django's logout, and the provider's too after a single sign-on (organisation/oidc.py)
    path("logout/", oidc.LogoutView.as_view(), name="logout"),
    path("oidc/", include(oidc.urlpatterns)),
    path("organisation/", include("rathausmobil.organisation.urls")),
    path("eignung/", include("rathausmobil.eligibility.urls")),
    path("mobil/", include("rathausmobil.agreements.urls")),
    path("geraete/", include("rathausmobil.equipment.urls")),
    path("zugang/", include("rathausmobil.access.urls")),
    path("anwesenheit/", include("rathausmobil.presence.urls")),
    path("vpn/", include("rathausmobil.usage.urls")),
    path("kennzahlen/", include("rathausmobil.reports.urls")),
    path("datenschutz/", include("rathausmobil.privacy.urls")),
    path("api/v1/", include(router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Swagger UI's scripts come from our files (the split view serves its start script as
    # a file); it adds a <style> of its own, allowed on this page only (docs/security.md).
    path(
        "api/docs/",
        csp_update({"style-src": ["'unsafe-inline'"]})(
            SpectacularSwaggerSplitView.as_view(url_name="api-schema")
        ),
        name="api-docs",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

admin.site.site_header = "Rathaus Mobil – Verwaltung"
admin.site.site_title = "Rathaus Mobil"
