"""The Excel RACI workbook: its sheets and tables (workbook) and how they are styled and written (style)."""
