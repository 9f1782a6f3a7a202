"""The OpenAPI document of every route of every API function, and a Swagger UI page."""

from functools import lru_cache
from importlib import import_module

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from shared.http import make_resolver
from shared.topology import ROUTES

router = APIGatewayRouter()

# Each API function keeps its routes in functions/<name>/routes.py (and links.py for visits).
ROUTE_MODULES = ("functions.visits.links",) + tuple(
    f"functions.{name}.routes" for name in dict.fromkeys(r.function for r in ROUTES))

SWAGGER_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Peer learning visits API</title>
<link rel="stylesheet" href="https://unpkg.com/swagger-ui-dist@5/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="https://unpkg.com/swagger-ui-dist@5/swagger-ui-bundle.js"></script>
<script>SwaggerUIBundle({url: "openapi.json", dom_id: "#swagger-ui"});</script>
</body></html>"""


@lru_cache(maxsize=1)
def document() -> str:
    everything = make_resolver()
    for module in ROUTE_MODULES:
        if module != __name__:
            everything.include_router(import_module(module).router)
    return everything.get_openapi_json_schema(
        title="Peer learning visits API", version="1.0.0",
        description="Visits, applications, allocation, reminders and reports of the peer learning visits programme.")


@router.get("/openapi.json", include_in_schema=False)
def openapi():
    return Response(status_code=200, content_type="application/json", body=document())


@router.get("/docs", include_in_schema=False)
def swagger():
    return Response(status_code=200, content_type="text/html; charset=utf-8", body=SWAGGER_PAGE)
