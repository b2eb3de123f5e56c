"""The chronology read model: one place that asks each app for its entries and puts them in
the order things happened (DESIGN §11). Apps contribute through :mod:`haven.core.chronology`;
the case and child pages, the API and the child's transferred file read it here."""
