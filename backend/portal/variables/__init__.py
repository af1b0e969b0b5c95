"""Global variables: static values and db_query values, rendered as `{{ name }}` with the context ones."""
