"""Page routers, one module per area; create_app includes each `router` listed in PAGE_ROUTERS."""

from fastapi import APIRouter

from socialdata.web.pages import home, linkage, login, privacy, record

PAGE_ROUTERS: tuple[APIRouter, ...] = (home.router, login.router, linkage.router, privacy.router, record.router)
