"""The routes (Django's ROOT_URLCONF), imported by Django after `app.configure()`."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import path
from ninja_extra import ControllerBase, NinjaExtraAPI, api_controller
from ninja_extra.permissions import AllowAny
from ninja_jwt.authentication import JWTAuth
from ninja_jwt.controller import (
    TokenBlackListController,
    TokenObtainPairController,
    TokenVerificationController,
)


# NinjaJWTDefaultController plus the blacklist route, as the docs' "Blacklist app" page composes it.
@api_controller("/token", permissions=[AllowAny], tags=["token"], auth=None)
class TokenController(
    ControllerBase,
    TokenVerificationController,
    TokenBlackListController,
    TokenObtainPairController,
):
    auto_import = False


api = NinjaExtraAPI()
api.register_controllers(TokenController)


@api.get("/protected", auth=JWTAuth())
def protected(request: HttpRequest) -> dict[str, str]:
    return {"username": request.user.get_username()}


@api.get("/public")
def public(request: HttpRequest) -> dict[str, str]:
    return {"message": "public"}


urlpatterns = [path("api/", api.urls)]
