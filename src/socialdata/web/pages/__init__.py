"""Page routers, one module per area; create_app includes each `router` listed in PAGE_ROUTERS."""

from fastapi import APIRouter

from socialdata.web.pages import (
    catalogue,
    citizen,
    citizen_choices,
    citizen_queue,
    governance,
    governance_admin,
    governance_projects,
    home,
    linkage,
    login,
    operations,
    outputs,
    privacy,
    record,
    register,
    sde,
    withholding,
)

PAGE_ROUTERS: tuple[APIRouter, ...] = (
    home.router,
    login.router,
    linkage.router,
    privacy.router,
    record.router,
    catalogue.router,
    citizen.router,
    citizen_choices.router,
    citizen_queue.router,
    withholding.router,
    operations.router,
    governance.router,
    governance_admin.router,
    governance_projects.router,
    register.router,
    sde.router,
    outputs.router,
)
