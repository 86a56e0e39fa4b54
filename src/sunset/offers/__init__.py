"""Migration offers: who may take which deal, campaign lists, and the migration itself."""
