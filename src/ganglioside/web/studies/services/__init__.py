"""Services: the only code of the studies app that writes to the database."""
