"""The one home of a report (docs/reports.md): a report is data (`base.Report`), made by
one build function per kind (`builders`), listed in one registry (`registry.REPORTS`:
name, label, who may make it) and written by one renderer per format (`render`: HTML,
PDF, XLSX, CSV, TXT). Pages (`reports/views_documents.py`) and the `report` command use
nothing else."""
