"""People function: erasure of a person's data and the coordinators' audit trail."""
from functions.people import routes
from shared.entry import api_function

app, handler = api_function(routes.router)
