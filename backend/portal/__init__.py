"""ETL Portal: the web app, the runner and the local stack launcher."""
