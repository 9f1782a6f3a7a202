"""People function: erasure of a person's data and the coordinators' audit trail."""
from shared.cold_start import imports_without_gc

with imports_without_gc():  # the function's modules, without a garbage collection midway
    from functions.people import routes
    from shared.entry import api_function

app, handler = api_function(routes.router)
