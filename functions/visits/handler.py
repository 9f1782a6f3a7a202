"""Visits API function: visits, visitors' email links, the OpenAPI document."""
from functions.visits import links, openapi, routes
from shared.entry import api_function

app, handler = api_function(routes.router, links.router, openapi.router)
