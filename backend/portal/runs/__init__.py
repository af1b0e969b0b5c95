"""Job runs: starting, cancelling and following runs, their events and rejected rows."""
