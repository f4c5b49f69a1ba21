"""Data files iamsim ships, each with its source and date (see SOURCES.md beside this file)."""
