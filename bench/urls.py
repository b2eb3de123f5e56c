"""The product's URLs plus the minimal baseline views under /bench/ (bench/baseline.py)."""

from django.urls import include, path

from haven.urls import urlpatterns as product_urlpatterns

urlpatterns = [path("bench/", include("bench.baseline")), *product_urlpatterns]
