"""The report: one plain value (model.py) that every renderer shares."""
