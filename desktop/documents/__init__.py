"""Printed documents of a case (DESIGN.md §5 "Documents"): what they say (case_sheet, Qt-free),
how a stored case becomes that (case_loader) and how it is laid out on paper or PDF (render)."""
