"""Visits API function: visits, visitors' email links, the OpenAPI document."""
from shared.cold_start import imports_without_gc

with imports_without_gc():  # the function's modules, without a garbage collection midway
    from functions.visits import links, openapi, routes
    from shared.entry import api_function

app, handler = api_function(routes.router, links.router, openapi.router)
