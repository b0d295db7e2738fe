"""The reports context's pure core: typed events of the wire contract (`events`), the projection of
booking events into one document per screening (`projection`), the consumer-group drain
(`consumer`), the report queries and their CSV (`queries`, `csv_export`), venue dates (`venue`)
and the private HTTP API (`api`). Nothing here imports spin_sdk: `app.py` holds the adapters."""
